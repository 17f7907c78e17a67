package sqltest

import (
	"context"
	"fmt"
	"io"
)

// Options configure RunFiles.
type Options struct {
	Runner  *Runner
	Filter  *Filter
	Verbose bool // print passing and skipped cases too
}

// Summary counts outcomes.
type Summary struct {
	Passed, Failed, Skipped int
}

// String is the closing line of a run: "N passed, M failed", with
// ", K skipped" when any case was skipped.
func (s Summary) String() string {
	if s.Skipped > 0 {
		return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
	}
	return fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
}

// RunFiles runs every selected case of the files in order, printing one line
// per failing case (and per passing or skipped one when Verbose) and then the
// summary line. An unreadable or malformed file counts as one failure.
func RunFiles(ctx context.Context, w io.Writer, files []string, opts Options) Summary {
	r := opts.Runner
	if r == nil {
		r = &Runner{}
	}
	var sum Summary
	for _, f := range files {
		cases, err := ParseFile(f)
		if err != nil {
			fmt.Fprintf(w, "FAIL %s: %v\n", f, err)
			sum.Failed++
			continue
		}
		for _, c := range cases {
			if !opts.Filter.Match(c) {
				continue
			}
			if ctx.Err() != nil {
				fmt.Fprintln(w, sum)
				return sum
			}
			o := r.Run(ctx, c)
			switch o.Status {
			case Pass:
				sum.Passed++
				if opts.Verbose {
					fmt.Fprintf(w, "PASS %s:%d: %s (%.2fs)\n", c.File, c.Line, c.Name, o.Duration.Seconds())
				}
			case Skip:
				sum.Skipped++
				if opts.Verbose {
					fmt.Fprintf(w, "SKIP %s:%d: %s: %s\n", c.File, c.Line, c.Name, o.Detail)
				}
			default:
				sum.Failed++
				fmt.Fprintf(w, "FAIL %s:%d: %s: %s\n", c.File, c.Line, c.Name, o.Detail)
			}
		}
	}
	fmt.Fprintln(w, sum)
	return sum
}
