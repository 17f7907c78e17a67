package conformance

import (
	"bufio"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var (
	updatePassing = flag.Bool("update-passing", false, "rewrite passing.txt with the cases that pass now")
	qttFilter     = flag.String("qtt.filter", "", "run only the QTT cases whose full name matches this regexp")
	qttReport     = flag.String("qtt.report", "", "write the run's JSON report to this file")
	qttVerbose    = flag.Bool("qtt.v", false, "log the summary, the failure causes and per-file totals")
	qttWorkers    = flag.Int("qtt.workers", DefaultWorkers, "cases run in parallel")
)

const passingFile = "passing.txt"

// corpusDir finds ../shared/conformance/ksql/<corpus> (qtt or rqtt)
// relative to the module root.
func corpusDir(t *testing.T, corpus string) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	root := ""
	if err == nil && strings.TrimSpace(string(out)) != "" && strings.TrimSpace(string(out)) != os.DevNull {
		root = filepath.Dir(strings.TrimSpace(string(out)))
	} else {
		dir, _ := os.Getwd()
		for dir != filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				break
			}
			dir = filepath.Dir(dir)
		}
	}
	if root == "" {
		t.Fatal("cannot find the module root (go.mod)")
	}
	return filepath.Join(root, "..", "shared", "conformance", "ksql", corpus)
}

func readPassing(t *testing.T) map[string]bool {
	m := map[string]bool{}
	f, err := os.Open(passingFile)
	if os.IsNotExist(err) {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Case names may end in a space (ksqlDB test names do): keep it.
		line := strings.TrimRight(sc.Text(), "\r")
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			m[line] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConformance runs the visible QTT and RQTT corpora and holds the
// ratchet: every case in passing.txt must pass. Cases that pass but are not
// listed are logged; -update-passing rewrites the list.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("the QTT corpus takes minutes; skipped with -short")
	}
	var files []string
	for _, corpus := range []string{"qtt", "rqtt"} {
		dir := corpusDir(t, corpus)
		fs, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 0 {
			t.Logf("no %s corpus at %s", corpus, dir)
		}
		sort.Strings(fs)
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Skip("no QTT/RQTT corpus")
	}
	rep, err := RunFiles(context.Background(), files, Options{Filter: *qttFilter, Workers: *qttWorkers})
	if err != nil {
		t.Fatal(err)
	}
	if *qttReport != "" {
		f, err := os.Create(*qttReport)
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteJSON(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	tot := rep.Totals()
	t.Logf("QTT+RQTT: %s in %s", tot, rep.Elapsed.Round(1e8))
	if *qttVerbose {
		t.Logf("summary:\n%s", rep.Summary())
		t.Logf("failure causes:\n%s", rep.CausesText(40))
		for _, ft := range rep.PerFile() {
			t.Logf("%-40s %s", ft.File, ft.Totals)
		}
	}

	listed := readPassing(t)
	byName := map[string]CaseResult{}
	for _, c := range rep.Cases {
		byName[c.Name] = c
	}
	var newly []string
	for _, c := range rep.Cases {
		if c.Status == Pass && !listed[c.Name] {
			newly = append(newly, c.Name)
		}
	}
	if len(newly) > 0 {
		t.Logf("%d passing cases are not in %s (run with -update-passing to add them):\n  %s",
			len(newly), passingFile, strings.Join(newly, "\n  "))
	}
	if *updatePassing {
		if *qttFilter != "" {
			t.Fatal("-update-passing needs the whole corpus; drop -qtt.filter")
		}
		body := "# QTT and RQTT cases known to pass; TestConformance fails if one of them stops passing.\n" +
			"# Regenerate with: go test ./tests/conformance -run TestConformance -update-passing\n" +
			strings.Join(rep.Passing(), "\n") + "\n"
		if err := os.WriteFile(passingFile, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	names := make([]string, 0, len(listed))
	for n := range listed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c, ok := byName[n]
		switch {
		case !ok && *qttFilter != "":
			// Not selected by the filter.
		case !ok:
			t.Errorf("regression: %s is listed in %s but no longer exists in the corpus", n, passingFile)
		case c.Status != Pass:
			t.Errorf("regression: %s: %s %s", n, c.Status, c.Reason)
		}
	}
}
