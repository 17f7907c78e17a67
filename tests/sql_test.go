// Package tests holds Sluice's SQL regression files (*.sql, in ksqlDB's
// --@test format) and runs them: one subtest per file, one per case.
package tests

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/sluicedb/sluice/tests/sqltest"
)

var caseTimeout = flag.Duration("sqltest.timeout", sqltest.DefaultTimeout, "time limit of one SQL regression case")

func TestSQL(t *testing.T) {
	files, err := filepath.Glob("*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *.sql regression files found")
	}
	r := &sqltest.Runner{Timeout: *caseTimeout}
	for _, f := range files {
		cases, err := sqltest.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) {
					o := r.Run(context.Background(), c)
					switch o.Status {
					case sqltest.Skip:
						t.Skipf("%s:%d: %s", c.File, c.Line, o.Detail)
					case sqltest.Fail:
						t.Errorf("%s:%d: %s", c.File, c.Line, o.Detail)
					}
				})
			}
		})
	}
}

// TestCaseCount keeps the regression suite from shrinking by accident.
func TestCaseCount(t *testing.T) {
	files, _ := filepath.Glob("*.sql")
	n := 0
	for _, f := range files {
		cases, err := sqltest.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(cases)
	}
	if n < 45 {
		t.Errorf("%d regression cases, want at least 45", n)
	}
}
