package parser

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// dump renders a tree in a stable, readable form for golden files. With
// positions false it leaves out positions and source text, so trees parsed
// from different text compare equal.
func dump(v any, positions bool) string {
	d := dumper{positions: positions}
	d.value(reflect.ValueOf(v), 0)
	lines := strings.Split(strings.TrimRight(d.b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

type dumper struct {
	b         strings.Builder
	positions bool
}

var (
	posType = reflect.TypeOf(ast.Pos{})
	typePtr = reflect.TypeOf(&types.Type{})
)

var unaryNames = map[ast.UnaryOp]string{ast.Neg: "-", ast.Plus: "+", ast.Not: "NOT"}
var emitNames = map[ast.EmitMode]string{ast.EmitNone: "NONE", ast.EmitChanges: "CHANGES", ast.EmitFinal: "FINAL"}
var showNames = []string{"STREAMS", "TABLES", "TOPICS", "QUERIES", "PROPERTIES", "FUNCTIONS", "TYPES"}

func pos(p ast.Pos) string { return fmt.Sprintf("@%d:%d", p.Line, p.Col) }

// scalar renders leaf values; ok is false for composite values.
func (d *dumper) scalar(v reflect.Value) (string, bool) {
	if !v.IsValid() {
		return "nil", true
	}
	switch x := v.Interface().(type) {
	case ast.UnaryOp:
		return unaryNames[x], true
	case ast.EmitMode:
		return emitNames[x], true
	case ast.ShowKind:
		return showNames[x], true
	case time.Duration:
		return x.String(), true
	case *types.Type:
		return x.String(), true
	case types.Decimal:
		return x.String(), true
	case ast.Pos:
		return pos(x), true
	case fmt.Stringer:
		return x.String(), true
	}
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", v.String()), true
	case reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return fmt.Sprint(v.Interface()), true
	}
	return "", false
}

// literal renders an `any` holding a value with its Go type.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("string(%q)", x)
	case types.Decimal:
		return fmt.Sprintf("decimal(%s)", x.String())
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func (d *dumper) value(v reflect.Value, indent int) {
	pad := strings.Repeat("  ", indent)
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer && v.Type() != typePtr {
		if v.IsNil() {
			d.b.WriteString("nil\n")
			return
		}
		v = v.Elem()
	}
	if s, ok := d.scalar(v); ok {
		d.b.WriteString(s + "\n")
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			d.b.WriteString("[]\n")
			return
		}
		d.b.WriteString("\n")
		for i := 0; i < v.Len(); i++ {
			d.b.WriteString(pad + "- ")
			d.value(v.Index(i), indent+1)
		}
	case reflect.Struct:
		d.b.WriteString(v.Type().Name())
		var fields []reflect.StructField
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			fv := v.Field(i)
			switch {
			case f.Name == "StmtBase":
				b := fv.Interface().(ast.StmtBase)
				if d.positions {
					d.b.WriteString(" " + pos(b.At) + fmt.Sprintf(" %q", b.Text))
				}
			case f.Name == "ExprBase":
				if d.positions {
					d.b.WriteString(" " + pos(fv.Interface().(ast.ExprBase).At))
				}
			case f.Type == posType:
				if d.positions {
					d.b.WriteString(" " + f.Name + pos(fv.Interface().(ast.Pos)))
				}
			case f.Name == "Value" && f.Type.Kind() == reflect.Interface:
				fields = append(fields, f)
			case fv.IsZero():
			default:
				fields = append(fields, f)
			}
		}
		d.b.WriteString("\n")
		for _, f := range fields {
			fv := v.FieldByIndex(f.Index)
			d.b.WriteString(pad + "  " + f.Name + ": ")
			if f.Name == "Value" && f.Type.Kind() == reflect.Interface {
				d.b.WriteString(literal(fv.Interface()) + "\n")
				continue
			}
			d.value(fv, indent+2)
		}
	default:
		d.b.WriteString(fmt.Sprintf("%v\n", v.Interface()))
	}
}
