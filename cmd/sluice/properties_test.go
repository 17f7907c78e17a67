package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerProperties(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string // "" : no --config
		props []string
		want  map[string]string
		err   string // substring of the error; "" : none
	}{
		{name: "nothing", want: map[string]string{}},
		{
			name: "file",
			file: "# ksqlDB server\n! also a comment\n\nbootstrap.servers=localhost:9092\n  ksql.streams.processing.guarantee = exactly_once_v2 \nksql.service.id=svc_\nempty=\nksql.service.id=later_\n",
			want: map[string]string{"bootstrap.servers": "localhost:9092", "ksql.streams.processing.guarantee": "exactly_once_v2",
				"ksql.service.id": "later_", "empty": ""},
		},
		{
			name:  "flags win over the file, later flags over earlier",
			file:  "a=1\nb=2\n",
			props: []string{"b=3", "c=x=y", "c=4"},
			want:  map[string]string{"a": "1", "b": "3", "c": "4"},
		},
		{name: "no equals sign", file: "a=1\n\nnot a property\n", err: "server.properties:3: expected key=value, got \"not a property\""},
		{name: "empty key", file: "=1\n", err: "server.properties:1: expected key=value"},
		{name: "continued line", file: "a=1,\\\n  2\n", err: "server.properties:1: continued lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), "server.properties")
				if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var pf propertyFlags
			for _, p := range tc.props {
				if err := pf.Set(p); err != nil {
					t.Fatal(err)
				}
			}
			got, err := serverProperties(path, pf)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err == "" && !maps.Equal(got, tc.want):
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPropertyFlagRejectsNonPairs(t *testing.T) {
	var pf propertyFlags
	for _, bad := range []string{"novalue", "=x", " =x"} {
		if err := pf.Set(bad); err == nil {
			t.Errorf("--property %q accepted", bad)
		}
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := serverProperties(filepath.Join(t.TempDir(), "nope.properties"), nil)
	if err == nil || !strings.Contains(err.Error(), "--config") || !strings.Contains(err.Error(), "nope.properties") {
		t.Fatalf("error %v, want one naming --config and the file", err)
	}
}

func TestBadServerGuaranteeStopsStartup(t *testing.T) {
	script := filepath.Join(t.TempDir(), "x.sql")
	if err := os.WriteFile(script, []byte("SHOW STREAMS;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := run([]string{"run", "--ephemeral", "--property", "ksql.streams.processing.guarantee=exactly_twice", script},
		strings.NewReader(""), &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "Invalid value exactly_twice for configuration processing.guarantee") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

// bootstrap.servers and ksql.service.id from the properties apply to every
// command that starts an engine (run, shell), not only to sluice server.
func TestEnginePropertiesFromConfig(t *testing.T) {
	f := engineFlags{ephemeral: true}
	for _, kv := range []string{"bootstrap.servers=a:1, b:2", "ksql.service.id=svc_"} {
		if err := f.props.Set(kv); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := f.config()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Bootstrap, ",") != "a:1,b:2" || cfg.ServiceID != "svc_" {
		t.Fatalf("bootstrap %v, service id %q", cfg.Bootstrap, cfg.ServiceID)
	}
}
