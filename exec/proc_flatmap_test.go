package exec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// newTestFlatMap builds a flat map of EXPLODE over each of the given INT
// array columns of the input row; next sees its rows.
func newTestFlatMap(t testing.TB, cols int, next emitFn, report func(error)) emitFn {
	t.Helper()
	sc := &expr.Scope{}
	p := &planner.Proc{Kind: planner.ProcFlatMap}
	for i := range cols {
		name := fmt.Sprintf("A%d", i)
		sc.Columns = append(sc.Columns, expr.ScopeColumn{Name: name, Type: types.ArrayOf(types.TInt), Index: i})
		c, err := expr.BindWith(&ast.Call{Name: "EXPLODE", Args: []ast.Expr{&ast.ColumnRef{Name: name}}}, sc, expr.BindOptions{AllowTableFunctions: true})
		if err != nil {
			t.Fatal(err)
		}
		p.Exprs = append(p.Exprs, c)
		p.Out.Columns = append(p.Out.Columns, types.Column{Name: fmt.Sprintf("KSQL_SYNTH_%d", i), Type: types.TInt})
	}
	fm, err := newFlatMapProc(p, next, report)
	if err != nil {
		t.Fatal(err)
	}
	return fm
}

func ints(vs ...int32) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func TestFlatMapZipsResults(t *testing.T) {
	var got []string
	fm := newTestFlatMap(t, 2, func(m *rowMeta, row types.Row) error {
		got = append(got, fmt.Sprintf("%d:%v", m.ts, row[2:]))
		return nil
	}, func(err error) { t.Error(err) })
	for i, in := range []types.Row{
		{ints(1, 2), ints(10, 11, 12)},
		{ints(3), nil},
		{nil, nil},
		{ints(), ints()},
		{ints(), ints(4)},
	} {
		if err := fm(&rowMeta{ts: int64(i)}, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := fm(&rowMeta{ts: 9, nullValue: true}, types.Row{ints(5), ints(5)}); err != nil {
		t.Fatal(err)
	}
	want := "0:[1 10] 0:[2 11] 0:[<nil> 12] 1:[3 <nil>] 4:[<nil> 4]"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
}

// An output row that fails downstream is reported; the others still go.
func TestFlatMapReportsFailedRows(t *testing.T) {
	var got []any
	var reported []error
	fm := newTestFlatMap(t, 1, func(_ *rowMeta, row types.Row) error {
		if row[1] == int32(2) {
			return &recordError{m: &rowMeta{}, err: errors.New("cannot write")}
		}
		got = append(got, row[1])
		return nil
	}, func(err error) { reported = append(reported, err) })
	if err := fm(&rowMeta{}, types.Row{ints(1, 2, 3)}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 3]" || len(reported) != 1 {
		t.Errorf("got %v, reported %v", got, reported)
	}
	stateFail := newTestFlatMap(t, 1, func(*rowMeta, types.Row) error { return stateErr(errors.New("disk")) }, func(err error) { t.Error(err) })
	if err := stateFail(&rowMeta{}, types.Row{ints(1, 2)}); !failsQuery(err) {
		t.Errorf("state failure not returned: %v", err)
	}
}

// EXPLODE reads the input's array in place: once its buffers have grown, a
// record costs no allocation.
func TestFlatMapAllocs(t *testing.T) {
	fm := newTestFlatMap(t, 2, func(*rowMeta, types.Row) error { return nil }, func(err error) { t.Error(err) })
	m := &rowMeta{}
	in := types.Row{ints(1, 2, 3), ints(4)}
	if n := testing.AllocsPerRun(100, func() { _ = fm(m, in) }); n != 0 {
		t.Errorf("%v allocations per record, want 0", n)
	}
}
