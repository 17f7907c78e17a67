// Package lint keeps the layering of ../shared/STYLE.md true: each
// dependency lives in one package, and data flows one way
// (sql -> planner -> exec -> state, catalog beside them).
package lint

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sluicedb/sluice"

type pkgInfo struct {
	deps    []string // transitive
	imports []string // direct, including test files
}

// packages lists the module's packages with their dependencies.
func packages(t *testing.T) map[string]pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}|{{join .Deps " "}}|{{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string]pkgInfo{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 3)
		if len(f) == 3 {
			m[f[0]] = pkgInfo{deps: strings.Fields(f[1]), imports: strings.Fields(f[2])}
		}
	}
	return m
}

// owner says which of our packages may import a third-party module (prefix).
var owners = map[string][]string{
	"github.com/pingcap/tidb":     {"sql/parser"},
	"github.com/twmb/franz-go":    {"exec/kafka", "tests", "bench"},
	"github.com/linxGnu/grocksdb": {"state/rocks"},
	"github.com/chzyer/readline":  {"shell"},
	"github.com/prometheus":       {"server"},
	"github.com/tidwall/btree":    {"state/internal/sorted"},
	"github.com/bits-and-blooms":  {"state"},
}

// forbidden lists, per package prefix of ours, the packages of ours it must not reach.
var forbidden = map[string][]string{
	"sql/":    {"planner", "exec", "catalog", "state", "shell", "server", "cmd"},
	"catalog": {"planner", "exec", "state", "shell", "server", "cmd"},
	"planner": {"exec", "state", "shell", "server", "cmd"},
	"exec":    {"shell", "server", "cmd"},
	"state":   {"sql", "planner", "exec", "catalog", "shell", "server", "cmd"},
	"server":  {"shell", "cmd"},
	"shell":   {"server", "cmd"},
}

func rel(p string) (string, bool) {
	if p == module {
		return "", true
	}
	if strings.HasPrefix(p, module+"/") {
		return strings.TrimPrefix(p, module+"/"), true
	}
	return "", false
}

func under(p, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func TestLayering(t *testing.T) {
	for pkg, info := range packages(t) {
		me, ok := rel(pkg)
		if !ok {
			continue
		}
		for _, d := range info.deps {
			other, ours := rel(d)
			if !ours {
				continue
			}
			for prefix, bad := range forbidden {
				if !under(me, prefix) {
					continue
				}
				for _, b := range bad {
					if under(other, b) {
						t.Errorf("%s must not depend on %s", me, other)
					}
				}
			}
		}
		for _, d := range info.imports {
			for mod, allowed := range owners {
				if !strings.HasPrefix(d, mod) {
					continue
				}
				okay := false
				for _, a := range allowed {
					okay = okay || under(me, a)
				}
				if !okay {
					t.Errorf("%s imports %s, which only %v may use", me, d, allowed)
				}
			}
		}
	}
}
