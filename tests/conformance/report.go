package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report is the outcome of a run, cases in run order.
type Report struct {
	Cases   []CaseResult
	Elapsed time.Duration
}

// Totals counts outcomes.
type Totals struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (t *Totals) add(s Status) {
	switch s {
	case Pass:
		t.Passed++
	case Fail:
		t.Failed++
	case Skip:
		t.Skipped++
	}
}

// String is "N passed, M failed, K skipped".
func (t Totals) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", t.Passed, t.Failed, t.Skipped)
}

// Totals counts all cases.
func (r *Report) Totals() Totals {
	var t Totals
	for _, c := range r.Cases {
		t.add(c.Status)
	}
	return t
}

// FileTotals are the totals of one QTT file.
type FileTotals struct {
	File string `json:"file"`
	Totals
}

// PerFile returns totals per file, sorted by file name.
func (r *Report) PerFile() []FileTotals {
	m := map[string]*FileTotals{}
	for _, c := range r.Cases {
		ft := m[c.File]
		if ft == nil {
			ft = &FileTotals{File: c.File}
			m[c.File] = ft
		}
		ft.add(c.Status)
	}
	out := make([]FileTotals, 0, len(m))
	for _, ft := range m {
		out = append(out, *ft)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// Cause is a group of failures with the same normalised reason.
type Cause struct {
	Cause   string `json:"cause"`
	Count   int    `json:"count"`
	Example string `json:"example"` // the first case with this cause
}

// Causes groups the failures by normalised reason, most frequent first.
func (r *Report) Causes() []Cause {
	m := map[string]*Cause{}
	var order []string
	for _, c := range r.Cases {
		if c.Status != Fail {
			continue
		}
		g := m[c.Cause]
		if g == nil {
			g = &Cause{Cause: c.Cause, Example: c.Name}
			m[c.Cause] = g
			order = append(order, c.Cause)
		}
		g.Count++
	}
	out := make([]Cause, 0, len(order))
	for _, k := range order {
		out = append(out, *m[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// SkipCounts counts skipped cases per reason.
func (r *Report) SkipCounts() map[string]int {
	m := map[string]int{}
	for _, c := range r.Cases {
		if c.Status == Skip {
			m[c.Reason]++
		}
	}
	return m
}

// Passing lists the names of the passing cases, sorted.
func (r *Report) Passing() []string {
	var out []string
	for _, c := range r.Cases {
		if c.Status == Pass {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Summary is the text report: one "FAIL name: reason" line per failing
// case, one "skipped (reason): N" line per skip reason, and the closing
// "N passed, M failed, K skipped" line.
func (r *Report) Summary() string {
	var sb strings.Builder
	for _, c := range r.Cases {
		if c.Status == Fail {
			fmt.Fprintf(&sb, "FAIL %s: %s\n", c.Name, oneLine(c.Reason))
		}
	}
	sc := r.SkipCounts()
	reasons := make([]string, 0, len(sc))
	for k := range sc {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Fprintf(&sb, "skipped (%s): %d\n", k, sc[k])
	}
	sb.WriteString(r.Totals().String())
	sb.WriteByte('\n')
	return sb.String()
}

// CausesText prints the n largest failure causes, one per line with counts.
func (r *Report) CausesText(n int) string {
	var sb strings.Builder
	for i, c := range r.Causes() {
		if n > 0 && i == n {
			break
		}
		fmt.Fprintf(&sb, "%5d  %s   (e.g. %s)\n", c.Count, c.Cause, c.Example)
	}
	return sb.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " \\n ")), " ")
}

// WriteJSON writes the per-case report as one JSON document: totals, skip
// counts, causes, per-file totals and every case.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := struct {
		Totals    Totals         `json:"totals"`
		Skipped   map[string]int `json:"skipped"`
		ElapsedMS int64          `json:"elapsed_ms"`
		Causes    []Cause        `json:"causes"`
		Files     []FileTotals   `json:"files"`
		Cases     []CaseResult   `json:"cases"`
	}{r.Totals(), r.SkipCounts(), r.Elapsed.Milliseconds(), r.Causes(), r.PerFile(), r.Cases}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
