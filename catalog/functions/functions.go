// Package functions is the registry of ksqlDB function signatures: for each
// function name, the overloads it accepts, how argument types resolve to a
// return type (with ksqlDB's implicit widening INT -> BIGINT -> DECIMAL ->
// DOUBLE), and what kind of function it is. It knows nothing about how a
// function is evaluated; exec/eval implements the scalar ones by name.
//
// The registry is built once at init and is read-only afterwards, so it is
// safe for concurrent use.
package functions

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicedb/sluice/sql/types"
)

// Kind tells how a function consumes rows.
type Kind int

const (
	Scalar    Kind = iota // one value per row
	Aggregate             // folds many rows into one value (UDAF)
	Table                 // produces zero or more rows per row (UDTF)
)

func (k Kind) String() string {
	switch k {
	case Aggregate:
		return "AGGREGATE"
	case Table:
		return "TABLE"
	}
	return "SCALAR"
}

// Func is one function name with all its overloads.
type Func struct {
	Name        string // upper-case
	Kind        Kind
	Category    string // e.g. "STRING", "MATHEMATICAL", "DATE / TIME"
	Description string
	Sigs        []*Sig
	// Aggregates only. LiteralParams returns the 0-based positions, among
	// nargs arguments, that must be literal constants (TOPK's k);
	// nil when none must.
	LiteralParams func(nargs int) []int
	// Alternatives, when set, is ksqlDB's listing of the overloads (with
	// their parameter names) that its "does not accept parameters" error
	// appends; only some functions' listings are known.
	Alternatives []string
	// StructuredState: the function's intermediate state is a STRUCT,
	// ARRAY or MAP in ksqlDB, which a DELIMITED store cannot hold.
	StructuredState bool
}

// Sig is one overload.
type Sig struct {
	Params   []*Pattern
	Variadic bool // the last param may repeat zero or more times
	Return   *Pattern
	// ReturnFn, when set, computes the return type from the resolved
	// argument types (DECIMAL precision rules and the like).
	ReturnFn func(args []*types.Type) *types.Type
	Text     string // the signature as declared, for DESCRIBE FUNCTION
}

// Arg describes one actual argument for resolution. Exactly one of Type or
// Lambda is set. Lambda binds the lambda's body given its parameter types and
// returns the body's type; resolution may call it more than once.
type Arg struct {
	Type        *types.Type
	Lambda      func(params []*types.Type) (*types.Type, error)
	LambdaArity int
}

// Resolved is the outcome of matching arguments to an overload.
type Resolved struct {
	Func *Func
	Sig  *Sig
	// Params holds, per argument, the type it must be converted to (equal to
	// the argument's type when no implicit cast is needed). For lambda
	// arguments it is the lambda body's type.
	Params []*types.Type
	// LambdaParams holds, per lambda argument, its parameter types (nil for
	// other arguments).
	LambdaParams [][]*types.Type
	Return       *types.Type
}

var registry = map[string]*Func{}

// Lookup returns the function named name (case-insensitive).
func Lookup(name string) (*Func, bool) {
	f, ok := registry[strings.ToUpper(name)]
	return f, ok
}

// IsAggregate reports whether name is a known aggregate function.
func IsAggregate(name string) bool {
	f, ok := Lookup(name)
	return ok && f.Kind == Aggregate
}

// IsTable reports whether name is a known table function.
func IsTable(name string) bool {
	f, ok := Lookup(name)
	return ok && f.Kind == Table
}

// Entry is one line of SHOW FUNCTIONS.
type Entry struct {
	Name        string
	Kind        Kind
	Category    string
	Description string
}

// List returns every function sorted by name, as SHOW FUNCTIONS prints them.
func List() []Entry {
	out := make([]Entry, 0, len(registry))
	for _, f := range registry {
		out = append(out, Entry{Name: f.Name, Kind: f.Kind, Category: f.Category, Description: f.Description})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ResolveError is returned when no overload matches. Msg is ksqlDB's text.
type ResolveError struct{ Msg string }

func (e *ResolveError) Error() string { return e.Msg }

// Resolve picks the overload of f that accepts args, preferring exact
// matches over ones needing implicit widening.
func (f *Func) Resolve(args []Arg) (*Resolved, error) {
	var best *Resolved
	bestCost := -1
	ambiguous := false
	var firstErr error
	for _, sig := range f.Sigs {
		r, cost, err := sig.match(args)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if r == nil {
			continue
		}
		r.Func = f
		switch {
		case best == nil || cost < bestCost:
			best, bestCost, ambiguous = r, cost, false
		case cost == bestCost:
			ambiguous = true
		default:
			// ksqlDB refuses to choose between variadic overloads that both
			// need implicit casts (GREATEST(INT, BIGINT) is ambiguous there).
			if best.Sig.Variadic && sig.Variadic && bestCost > 0 {
				ambiguous = true
			}
		}
	}
	if best != nil && ambiguous {
		return nil, &ResolveError{Msg: fmt.Sprintf("Function '%s' cannot be resolved due to ambiguous method parameters (%s).", strings.ToLower(f.Name), argList(args))}
	}
	if best == nil {
		// A lambda body's own error (unknown column inside it) is more useful
		// than "does not accept".
		if firstErr != nil {
			return nil, firstErr
		}
		msg := fmt.Sprintf("Function '%s' does not accept parameters (%s).", strings.ToLower(f.Name), argList(args))
		if len(f.Alternatives) > 0 {
			msg += "\nValid alternatives are:\n" + strings.Join(f.Alternatives, "\n")
		}
		return nil, &ResolveError{Msg: msg}
	}
	return best, nil
}

func argList(args []Arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch {
		case a.Lambda != nil:
			parts[i] = "LAMBDA"
		default:
			parts[i] = a.Type.String()
		}
	}
	return strings.Join(parts, ", ")
}

// match returns nil, 0, nil when sig does not apply; an error only when a
// lambda body failed to bind.
func (s *Sig) match(args []Arg) (*Resolved, int, error) {
	n := len(s.Params)
	if s.Variadic {
		if len(args) < n-1 {
			return nil, 0, nil
		}
	} else if len(args) != n {
		return nil, 0, nil
	}
	param := func(i int) *Pattern {
		if i >= n-1 && s.Variadic {
			return s.Params[n-1]
		}
		return s.Params[i]
	}
	env := map[string]*types.Type{}
	r := &Resolved{Sig: s, Params: make([]*types.Type, len(args)), LambdaParams: make([][]*types.Type, len(args))}
	cost := 0
	// Non-lambda arguments first: they fix the generic variables that lambda
	// parameter types are derived from.
	for i, a := range args {
		p := param(i)
		if a.Lambda != nil {
			if p.Kind != pLambda || len(p.LambdaParams) != a.LambdaArity {
				return nil, 0, nil
			}
			continue
		}
		if p.Kind == pLambda {
			return nil, 0, nil
		}
		c, ok := p.match(a.Type, env)
		if !ok {
			return nil, 0, nil
		}
		cost += c
	}
	for i, a := range args {
		p := param(i)
		if a.Lambda != nil {
			continue
		}
		r.Params[i] = p.target(a.Type, env)
	}
	for i, a := range args {
		if a.Lambda == nil {
			continue
		}
		p := param(i)
		lp := make([]*types.Type, len(p.LambdaParams))
		for j, q := range p.LambdaParams {
			lp[j] = q.subst(env)
			if lp[j] == nil {
				return nil, 0, nil
			}
		}
		bt, err := a.Lambda(lp)
		if err != nil {
			return nil, 0, err
		}
		c, ok := p.LambdaReturn.match(bt, env)
		if !ok {
			return nil, 0, nil
		}
		cost += c
		r.Params[i] = bt
		r.LambdaParams[i] = lp
	}
	if s.ReturnFn != nil {
		r.Return = s.ReturnFn(r.Params)
	} else {
		r.Return = s.Return.subst(env)
	}
	if r.Return == nil {
		// The return type depends on a generic only NULL arguments touched.
		r.Return = types.TUnknown
	}
	return r, cost, nil
}
