package parser

import (
	"strconv"

	"github.com/sluicedb/sluice/sql/types"
)

// ParseType parses a SQL type such as "INT", "DECIMAL(10,2)" or
// "ARRAY<STRUCT<a INT>>".
func ParseType(s string) (*types.Type, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	t, err := p.parseType()
	if err != nil {
		return nil, err
	}
	if tok := p.peek(); tok.Kind != tEOF {
		return nil, p.errAt(tok, "extraneous input %s expecting <EOF>", tok.describe(p.src))
	}
	return t, nil
}

var primitiveTypes = map[string]*types.Type{
	"BOOLEAN":   types.TBoolean,
	"INT":       types.TInt,
	"INTEGER":   types.TInt,
	"BIGINT":    types.TBigint,
	"DOUBLE":    types.TDouble,
	"STRING":    types.TString,
	"VARCHAR":   types.TString,
	"BYTES":     types.TBytes,
	"TIMESTAMP": types.TTimestamp,
	"DATE":      types.TDate,
	"TIME":      types.TTime,
}

// typeError marks an error on a type token so CAST can report it the way
// ksqlDB does there.
type typeError struct {
	tok token
	err error
}

func (e *typeError) Error() string { return e.err.Error() }
func (e *typeError) Unwrap() error { return e.err }

// parseType reads one type at the current token.
func (p *parser) parseType() (*types.Type, error) {
	return p.parseTypeDepth(0)
}

// maxTypeDepth bounds nesting so hostile input cannot exhaust the stack.
const maxTypeDepth = 64

func (p *parser) parseTypeDepth(depth int) (*types.Type, error) {
	tok := p.peek()
	if depth > maxTypeDepth {
		return nil, p.errAt(tok, "type nesting too deep")
	}
	if tok.Kind != tWord {
		return nil, &typeError{tok, p.errAt(tok, "mismatched input %s expecting a type", tok.describe(p.src))}
	}
	p.next()
	if t, ok := primitiveTypes[tok.Val]; ok {
		if p.peek().isOp("(") {
			// ksqlDB's grammar allows generic type parameters here and
			// rejects anything that is not a literal.
			p.next()
			arg := p.peek()
			if arg.Kind != tString && arg.Kind != tInt {
				return nil, p.errAt(arg, "Expecting {'STRING', INTEGER_VALUE}")
			}
			if tok.Val != "VARCHAR" && tok.Val != "STRING" || arg.Kind != tInt {
				return nil, p.errAt(arg, "type %s takes no parameters", tok.Val)
			}
			// VARCHAR(n): ksqlDB strings are unbounded, the length is ignored.
			p.next()
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	switch tok.Val {
	case "DECIMAL":
		if _, err := p.expectOp("("); err != nil {
			return nil, err
		}
		prec, err := p.typeInt()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(","); err != nil {
			return nil, err
		}
		scale, err := p.typeInt()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if prec < 1 || scale > prec {
			return nil, p.semErrAt(tok, "DECIMAL precision must be >= 1 and scale between 0 and precision, got DECIMAL(%d, %d)", prec, scale)
		}
		return types.DecimalType(prec, scale), nil
	case "ARRAY":
		if _, err := p.expectOp("<"); err != nil {
			return nil, err
		}
		elem, err := p.parseTypeDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return types.ArrayOf(elem), nil
	case "MAP":
		if _, err := p.expectOp("<"); err != nil {
			return nil, err
		}
		k, err := p.parseTypeDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(","); err != nil {
			return nil, err
		}
		v, err := p.parseTypeDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return types.MapOf(k, v), nil
	case "STRUCT":
		if p.peek().isOp("<>") {
			p.next()
			return types.StructOf(), nil
		}
		if _, err := p.expectOp("<"); err != nil {
			return nil, err
		}
		var fields []types.Field
		if p.peek().isOp(">") {
			p.next()
			return types.StructOf(), nil
		}
		seen := map[string]bool{}
		for {
			nameTok := p.peek()
			name, err := p.anyIdent()
			if err != nil {
				return nil, err
			}
			if seen[name] {
				return nil, p.semErrAt(nameTok, "Duplicate field names found in STRUCT: '%s'", name)
			}
			seen[name] = true
			ft, err := p.parseTypeDepth(depth + 1)
			if err != nil {
				return nil, err
			}
			fields = append(fields, types.Field{Name: name, Type: ft})
			if p.peek().isOp(",") {
				p.next()
				continue
			}
			if _, err := p.expectOp(">"); err != nil {
				return nil, err
			}
			return types.StructOf(fields...), nil
		}
	}
	return nil, &typeError{tok, p.errAt(tok, "unknown type %s", tok.describe(p.src))}
}

func (p *parser) typeInt() (int, error) {
	tok := p.peek()
	if tok.Kind != tInt {
		return 0, p.errAt(tok, "mismatched input %s expecting INTEGER_VALUE", tok.describe(p.src))
	}
	p.next()
	n, err := strconv.Atoi(tok.Val)
	if err != nil || n > 1000 {
		return 0, p.semErrAt(tok, "invalid type parameter: %s", tok.Val)
	}
	return n, nil
}
