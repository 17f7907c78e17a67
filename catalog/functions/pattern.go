package functions

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/sql/types"
)

// Pattern kinds beyond types.Kind.
const (
	pAny     types.Kind = 100 + iota // any type, not remembered
	pGeneric                         // a type variable (T, U, K, V...)
	pLambda                          // a lambda argument
)

// Pattern is a parameter or return type in a signature: a concrete type, a
// DECIMAL of any precision, a type variable, or a container of patterns.
type Pattern struct {
	Kind         types.Kind
	Var          string     // pGeneric
	Elem, Key    *Pattern   // ARRAY element; MAP key and value (Elem)
	LambdaParams []*Pattern // pLambda
	LambdaReturn *Pattern   // pLambda
}

func (p *Pattern) String() string {
	switch p.Kind {
	case pAny:
		return "ANY"
	case pGeneric:
		return p.Var
	case pLambda:
		ps := make([]string, len(p.LambdaParams))
		for i, q := range p.LambdaParams {
			ps[i] = q.String()
		}
		return "FUNC(" + strings.Join(ps, ", ") + ") => " + p.LambdaReturn.String()
	case types.Array:
		return "ARRAY<" + p.Elem.String() + ">"
	case types.MapKind:
		return "MAP<" + p.Key.String() + ", " + p.Elem.String() + ">"
	case types.StructKind:
		return "STRUCT"
	case types.DecimalKind:
		return "DECIMAL"
	}
	return (&types.Type{Kind: p.Kind}).String()
}

// widenCost is the cost of converting from -> to implicitly, or -1.
func widenCost(from, to types.Kind) int {
	if from == to {
		return 0
	}
	rank := map[types.Kind]int{types.Int: 0, types.Bigint: 1, types.DecimalKind: 2, types.Double: 3}
	f, ok1 := rank[from]
	t, ok2 := rank[to]
	if !ok1 || !ok2 || t < f {
		return -1
	}
	return t - f
}

// match reports whether arg fits p, binding type variables in env, and the
// widening cost. Widening applies only at the top level (ksqlDB does not
// widen ARRAY<INT> to ARRAY<BIGINT> implicitly).
func (p *Pattern) match(arg *types.Type, env map[string]*types.Type) (int, bool) {
	return p.matchAt(arg, env, true)
}

func (p *Pattern) matchAt(arg *types.Type, env map[string]*types.Type, top bool) (int, bool) {
	if arg == nil || arg.Kind == types.Unknown {
		return 0, true
	}
	switch p.Kind {
	case pAny:
		return 0, true
	case pGeneric:
		bound, ok := env[p.Var]
		if !ok || bound.Kind == types.Unknown {
			env[p.Var] = arg
			return 0, true
		}
		if bound.Equal(arg) {
			return 0, true
		}
		if top {
			if c := widenCost(arg.Kind, bound.Kind); c > 0 {
				return c, true
			}
			// A later, wider numeric argument widens the variable: COALESCE(INT, BIGINT) is BIGINT.
			if c := widenCost(bound.Kind, arg.Kind); c > 0 {
				env[p.Var] = arg
				return c, true
			}
		}
		return 0, false
	case pLambda:
		return 0, false
	case types.Array:
		if arg.Kind != types.Array {
			return 0, false
		}
		return p.Elem.matchAt(arg.Elem, env, false)
	case types.MapKind:
		if arg.Kind != types.MapKind {
			return 0, false
		}
		c1, ok := p.Key.matchAt(arg.Key, env, false)
		if !ok {
			return 0, false
		}
		c2, ok := p.Elem.matchAt(arg.Elem, env, false)
		return c1 + c2, ok
	case types.StructKind:
		return 0, arg.Kind == types.StructKind
	}
	if !top {
		return 0, arg.Kind == p.Kind
	}
	c := widenCost(arg.Kind, p.Kind)
	return c, c >= 0
}

// target is the type an argument of type arg is converted to for p.
func (p *Pattern) target(arg *types.Type, env map[string]*types.Type) *types.Type {
	if arg == nil || arg.Kind == types.Unknown {
		return types.TUnknown
	}
	switch p.Kind {
	case pAny, types.Array, types.MapKind, types.StructKind:
		return arg
	case pGeneric:
		if t, ok := env[p.Var]; ok && t.Kind != types.Unknown {
			return t
		}
		return arg
	case types.DecimalKind:
		return ToDecimal(arg)
	}
	return primitive(p.Kind)
}

// ToDecimal is the DECIMAL type ksqlDB widens an integer type to.
func ToDecimal(t *types.Type) *types.Type {
	switch t.Kind {
	case types.Int:
		return types.DecimalType(10, 0)
	case types.Bigint:
		return types.DecimalType(19, 0)
	}
	return t
}

func primitive(k types.Kind) *types.Type {
	switch k {
	case types.Boolean:
		return types.TBoolean
	case types.Int:
		return types.TInt
	case types.Bigint:
		return types.TBigint
	case types.Double:
		return types.TDouble
	case types.String:
		return types.TString
	case types.Bytes:
		return types.TBytes
	case types.TimestampKind:
		return types.TTimestamp
	case types.DateKind:
		return types.TDate
	case types.TimeKind:
		return types.TTime
	}
	return nil
}

// subst builds a concrete type from p, or nil when a variable is unbound.
func (p *Pattern) subst(env map[string]*types.Type) *types.Type {
	switch p.Kind {
	case pGeneric:
		return env[p.Var]
	case types.Array:
		e := p.Elem.subst(env)
		if e == nil {
			return nil
		}
		return types.ArrayOf(e)
	case types.MapKind:
		k, v := p.Key.subst(env), p.Elem.subst(env)
		if k == nil || v == nil {
			return nil
		}
		return types.MapOf(k, v)
	}
	return primitive(p.Kind)
}

// parsePattern reads the signature notation used in builtin.go:
// INT, BIGINT, DOUBLE, DECIMAL, STRING, BOOLEAN, BYTES, TIMESTAMP, DATE,
// TIME, STRUCT, ANY, a type variable (one upper-case letter), ARRAY<p>,
// MAP<p, p>, FUNC(p, ...) => p.
func parsePattern(s string) (*Pattern, string, error) {
	s = strings.TrimSpace(s)
	word := s
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_') {
			word = s[:i]
			break
		}
	}
	rest := strings.TrimSpace(s[len(word):])
	switch word {
	case "ARRAY", "MAP":
		if !strings.HasPrefix(rest, "<") {
			return nil, "", fmt.Errorf("expected < after %s in %q", word, s)
		}
		e, r, err := parsePattern(rest[1:])
		if err != nil {
			return nil, "", err
		}
		if word == "ARRAY" {
			if !strings.HasPrefix(r, ">") {
				return nil, "", fmt.Errorf("expected > in %q", s)
			}
			return &Pattern{Kind: types.Array, Elem: e}, strings.TrimSpace(r[1:]), nil
		}
		if !strings.HasPrefix(r, ",") {
			return nil, "", fmt.Errorf("expected , in %q", s)
		}
		v, r, err := parsePattern(r[1:])
		if err != nil {
			return nil, "", err
		}
		if !strings.HasPrefix(r, ">") {
			return nil, "", fmt.Errorf("expected > in %q", s)
		}
		return &Pattern{Kind: types.MapKind, Key: e, Elem: v}, strings.TrimSpace(r[1:]), nil
	case "FUNC":
		if !strings.HasPrefix(rest, "(") {
			return nil, "", fmt.Errorf("expected ( after FUNC in %q", s)
		}
		r := rest[1:]
		p := &Pattern{Kind: pLambda}
		for {
			q, r2, err := parsePattern(r)
			if err != nil {
				return nil, "", err
			}
			p.LambdaParams = append(p.LambdaParams, q)
			r = r2
			if strings.HasPrefix(r, ",") {
				r = r[1:]
				continue
			}
			break
		}
		if !strings.HasPrefix(r, ")") {
			return nil, "", fmt.Errorf("expected ) in %q", s)
		}
		r = strings.TrimSpace(r[1:])
		if !strings.HasPrefix(r, "=>") {
			return nil, "", fmt.Errorf("expected => in %q", s)
		}
		ret, r, err := parsePattern(r[2:])
		if err != nil {
			return nil, "", err
		}
		p.LambdaReturn = ret
		return p, r, nil
	}
	kinds := map[string]types.Kind{
		"INT": types.Int, "BIGINT": types.Bigint, "DOUBLE": types.Double, "DECIMAL": types.DecimalKind,
		"STRING": types.String, "BOOLEAN": types.Boolean, "BYTES": types.Bytes, "TIMESTAMP": types.TimestampKind,
		"DATE": types.DateKind, "TIME": types.TimeKind, "STRUCT": types.StructKind, "ANY": pAny,
	}
	if k, ok := kinds[word]; ok {
		return &Pattern{Kind: k}, rest, nil
	}
	if len(word) == 1 {
		return &Pattern{Kind: pGeneric, Var: word}, rest, nil
	}
	return nil, "", fmt.Errorf("unknown type %q in %q", word, s)
}

// parseSig reads "(P1, P2, ...P3) -> R"; R may be "@name" for a Go return
// rule registered in returnRules.
func parseSig(text string) (*Sig, error) {
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "(") {
		return nil, fmt.Errorf("signature %q: expected (", text)
	}
	s = strings.TrimSpace(s[1:])
	sig := &Sig{Text: text}
	for !strings.HasPrefix(s, ")") {
		if strings.HasPrefix(s, "...") {
			sig.Variadic = true
			s = s[3:]
		}
		p, r, err := parsePattern(s)
		if err != nil {
			return nil, fmt.Errorf("signature %q: %w", text, err)
		}
		sig.Params = append(sig.Params, p)
		s = strings.TrimSpace(r)
		if strings.HasPrefix(s, ",") {
			s = strings.TrimSpace(s[1:])
		} else if !strings.HasPrefix(s, ")") {
			return nil, fmt.Errorf("signature %q: expected , or ) at %q", text, s)
		}
	}
	s = strings.TrimSpace(s[1:])
	if !strings.HasPrefix(s, "->") {
		return nil, fmt.Errorf("signature %q: expected ->", text)
	}
	s = strings.TrimSpace(s[2:])
	if strings.HasPrefix(s, "@") {
		fn, ok := returnRules[s[1:]]
		if !ok {
			return nil, fmt.Errorf("signature %q: unknown return rule %s", text, s)
		}
		sig.ReturnFn = fn
		return sig, nil
	}
	p, r, err := parsePattern(s)
	if err != nil {
		return nil, fmt.Errorf("signature %q: %w", text, err)
	}
	if r != "" {
		return nil, fmt.Errorf("signature %q: trailing %q", text, r)
	}
	sig.Return = p
	return sig, nil
}
