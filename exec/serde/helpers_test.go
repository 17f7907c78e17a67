package serde

import (
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

func col(name string, t *types.Type) types.Column { return types.Column{Name: name, Type: t} }

func cols(cs ...types.Column) []types.Column { return cs }

func bp(b bool) *bool { return &b }

func dec(s string) types.Decimal {
	d, err := types.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func st(vals ...any) *types.Struct { return &types.Struct{Values: vals} }

func mp(kv ...any) *types.Map {
	m := &types.Map{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Put(kv[i], kv[i+1])
	}
	return m
}

// dump prints a decoded value with its Go types so tests compare
// representation as well as content (int32(1) is not int64(1)).
func dump(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = dump(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *types.Map:
		parts := make([]string, len(x.Keys))
		for i, k := range x.Keys {
			parts[i] = dump(k) + ":" + dump(x.Values[i])
		}
		return "map{" + strings.Join(parts, " ") + "}"
	case *types.Struct:
		parts := make([]string, len(x.Values))
		for i, e := range x.Values {
			parts[i] = dump(e)
		}
		return "struct{" + strings.Join(parts, " ") + "}"
	case types.Decimal:
		return "dec(" + x.String() + ")"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("bytes(%q)", x)
	case float64:
		return fmt.Sprintf("float64(%v)", x)
	case *big.Int:
		return x.String()
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// golden compares got with testdata/name, or rewrites it with -rewrite.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run with -rewrite to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func mustKey(t testing.TB, format string, cs []types.Column, o Options) Codec {
	t.Helper()
	c, err := NewKeyCodec(format, cs, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustValue(t testing.TB, format string, cs []types.Column, o Options) Codec {
	t.Helper()
	c, err := NewValueCodec(format, cs, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
