package ast

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/sql/types"
)

// FormatExpr prints an expression as canonical ksqlDB SQL: keywords upper
// case, every operation parenthesised as ksqlDB's formatter does ("(COL0 + 1)"),
// identifiers backquoted only when they would not read back as themselves.
// The parser reads the output back into the same tree.
func FormatExpr(e Expr) string {
	f := formatter{quote: true}
	f.expr(e)
	return f.b.String()
}

// FormatExprUnquoted prints an expression with bare identifiers, as ksqlDB
// does in error messages ("Got L.A = R.A"). The output may not parse back.
func FormatExprUnquoted(e Expr) string {
	var f formatter
	f.expr(e)
	return f.b.String()
}

// Format prints a statement as canonical ksqlDB SQL on one line, without the
// trailing ';'. The parser reads the output back into the same tree.
func Format(s Statement) string {
	f := formatter{quote: true}
	f.stmt(s)
	return f.b.String()
}

// FormatIdent returns name as it must be written in SQL: bare when it reads
// back as itself, else backquoted.
func FormatIdent(name string) string {
	if identNeedsQuotes(name) {
		return types.QuoteIdent(name)
	}
	return name
}

// keywords are the words the parser does not read as bare identifiers in
// every position; names equal to one are always quoted.
var keywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`SELECT FROM WHERE GROUP BY HAVING PARTITION WINDOW EMIT LIMIT
		JOIN INNER LEFT RIGHT FULL OUTER ON WITHIN AS AND OR NOT IS NULL TRUE FALSE LIKE
		BETWEEN IN CASE WHEN THEN ELSE END CAST DISTINCT ESCAPE WITH EXISTS
		MILLISECOND MILLISECONDS SECOND SECONDS MINUTE MINUTES HOUR HOURS DAY DAYS
		ARRAY MAP STRUCT STREAMS TABLES FUNCTION EXTENDED ALL`) {
		keywords[w] = true
	}
}

func identNeedsQuotes(name string) bool {
	if name == "" || keywords[name] {
		return true
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c >= 'A' && c <= 'Z':
		case i > 0 && c >= '0' && c <= '9':
		default:
			return true
		}
	}
	return strings.HasPrefix(name, "__")
}

type formatter struct {
	b     strings.Builder
	quote bool
}

func (f *formatter) w(s string) { f.b.WriteString(s) }

func (f *formatter) ident(name string) {
	if f.quote {
		f.w(FormatIdent(name))
	} else {
		f.w(name)
	}
}

func (f *formatter) exprs(es []Expr) {
	for i, e := range es {
		if i > 0 {
			f.w(", ")
		}
		f.expr(e)
	}
}

// postfix prints the operand of -> or [] so that it binds tighter.
func (f *formatter) postfix(e Expr) {
	switch e.(type) {
	case *Unary, *Lambda:
		f.w("(")
		f.expr(e)
		f.w(")")
	default:
		f.expr(e)
	}
}

func (f *formatter) expr(e Expr) {
	switch e := e.(type) {
	case nil:
		f.w("null")
	case *ColumnRef:
		if e.Source != "" {
			f.ident(e.Source)
			f.w(".")
		}
		f.ident(e.Name)
	case *Literal:
		f.w(FormatValue(e.Value))
	case *Unary:
		switch e.Op {
		case Not:
			f.w("(NOT ")
			f.expr(e.X)
			f.w(")")
		default:
			sign := "-"
			if e.Op == Plus {
				sign = "+"
			}
			inner := formatter{quote: f.quote}
			inner.expr(e.X)
			s := inner.b.String()
			f.w(sign)
			if _, lit := e.X.(*Literal); lit {
				// A sign written before a number is read as part of the
				// literal ("-0" is the literal 0): keep the operator apart.
				s = "(" + s + ")"
			} else if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				f.w(" ")
			}
			f.w(s)
		}
	case *Binary:
		f.w("(")
		f.expr(e.L)
		f.w(" " + e.Op.String() + " ")
		f.expr(e.R)
		f.w(")")
	case *IsNull:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" IS NOT NULL)")
		} else {
			f.w(" IS NULL)")
		}
	case *Like:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" LIKE ")
		f.expr(e.Pattern)
		if e.Escape != nil {
			f.w(" ESCAPE ")
			f.expr(e.Escape)
		}
		f.w(")")
	case *Between:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" BETWEEN ")
		f.expr(e.Lo)
		f.w(" AND ")
		f.expr(e.Hi)
		f.w(")")
	case *In:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" IN (")
		f.exprs(e.List)
		f.w("))")
	case *Case:
		f.w("(CASE")
		if e.Operand != nil {
			f.w(" ")
			f.expr(e.Operand)
		}
		for _, w := range e.Whens {
			f.w(" WHEN ")
			f.expr(w.Cond)
			f.w(" THEN ")
			f.expr(w.Result)
		}
		if e.Else != nil {
			f.w(" ELSE ")
			f.expr(e.Else)
		}
		f.w(" END)")
	case *Cast:
		f.w("CAST(")
		f.expr(e.X)
		f.w(" AS " + e.Type.String() + ")")
	case *Call:
		f.ident(e.Name)
		f.w("(")
		switch {
		case e.Star:
			f.w("*")
		case e.Distinct:
			f.w("DISTINCT ")
		}
		if e.Star && len(e.Args) > 0 {
			f.w(", ")
		}
		f.exprs(e.Args)
		f.w(")")
	case *Deref:
		f.postfix(e.X)
		f.w("->")
		f.ident(e.Field)
	case *Subscript:
		f.postfix(e.X)
		f.w("[")
		f.expr(e.Index)
		f.w("]")
	case *ArrayCtor:
		f.w("ARRAY[")
		f.exprs(e.Elems)
		f.w("]")
	case *MapCtor:
		f.w("MAP(")
		for i := range e.Keys {
			if i > 0 {
				f.w(", ")
			}
			f.expr(e.Keys[i])
			f.w(":=")
			f.expr(e.Values[i])
		}
		f.w(")")
	case *StructCtor:
		f.w("STRUCT(")
		for i := range e.Names {
			if i > 0 {
				f.w(", ")
			}
			f.ident(e.Names[i])
			f.w(":=")
			f.expr(e.Values[i])
		}
		f.w(")")
	case *Lambda:
		if len(e.Params) == 1 {
			f.ident(e.Params[0])
		} else {
			f.w("(")
			for i, p := range e.Params {
				if i > 0 {
					f.w(", ")
				}
				f.ident(p)
			}
			f.w(")")
		}
		f.w(" => ")
		f.expr(e.Body)
	case *IntervalUnit:
		f.w(e.Unit)
	default:
		f.w(fmt.Sprintf("<%T>", e))
	}
}

// FormatValue prints a literal value as SQL: NULL as null, booleans as
// true/false, decimals with their scale, doubles with an exponent (so they
// read back as DOUBLE, not DECIMAL), strings quoted with ” escaping.
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return formatDouble(v)
	case types.Decimal:
		s := v.String()
		if v.Scale <= 0 {
			// A point keeps it a DECIMAL literal when read back.
			s += "."
		}
		return s
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return fmt.Sprintf("%v", v)
}

// formatDouble prints like Java's scientific Double.toString: 1.5E3.
func formatDouble(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}

// formatDuration prints a duration in the largest unit that divides it.
func formatDuration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "DAYS"}, {time.Hour, "HOURS"}, {time.Minute, "MINUTES"}, {time.Second, "SECONDS"}, {time.Millisecond, "MILLISECONDS"}}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + " " + u.name
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " MILLISECONDS"
}

func (f *formatter) stmt(s Statement) {
	switch s := s.(type) {
	case *CreateSource:
		f.w("CREATE ")
		if s.OrReplace {
			f.w("OR REPLACE ")
		}
		if s.Source {
			f.w("SOURCE ")
		}
		f.w(s.Kind.String() + " ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.ident(s.Name)
		if s.Columns != nil {
			f.w(" ")
			f.columns(s.Columns)
		}
		f.props(s.Props)
		if s.AsSelect != nil {
			f.w(" AS ")
			f.query(s.AsSelect)
		}
	case *InsertValues:
		f.w("INSERT INTO ")
		f.ident(s.Target)
		if len(s.Columns) > 0 {
			f.w(" ")
			f.identList(s.Columns)
		}
		f.w(" VALUES (")
		f.exprs(s.Values)
		f.w(")")
	case *InsertSelect:
		f.w("INSERT INTO ")
		f.ident(s.Target)
		f.props(s.Props)
		f.w(" ")
		f.query(s.Query)
	case *Query:
		f.query(s)
	case *Show:
		f.w("SHOW ")
		if s.All {
			f.w("ALL ")
		}
		f.w([...]string{"STREAMS", "TABLES", "TOPICS", "QUERIES", "PROPERTIES", "FUNCTIONS", "TYPES"}[s.What])
		if s.Extended {
			f.w(" EXTENDED")
		}
	case *Describe:
		f.w("DESCRIBE ")
		switch {
		case s.Function:
			f.w("FUNCTION ")
			f.ident(s.Name)
		case s.AllOf != nil:
			if *s.AllOf == ShowTables {
				f.w("TABLES")
			} else {
				f.w("STREAMS")
			}
			if s.Extended {
				f.w(" EXTENDED")
			}
		default:
			if s.Extended {
				f.w("EXTENDED ")
			}
			f.ident(s.Name)
		}
	case *Explain:
		f.w("EXPLAIN ")
		if s.Stmt != nil {
			f.stmt(s.Stmt)
		} else {
			f.ident(s.QueryID)
		}
	case *Print:
		f.w("PRINT " + FormatValue(s.Topic))
		if s.FromBeginning {
			f.w(" FROM BEGINNING")
		}
		if s.Interval != 0 {
			f.w(" INTERVAL " + strconv.FormatInt(s.Interval, 10))
		}
		if s.Limit != nil {
			f.w(" LIMIT " + strconv.FormatInt(*s.Limit, 10))
		}
	case *Terminate:
		if s.All {
			f.w("TERMINATE ALL")
		} else {
			f.w("TERMINATE ")
			f.ident(s.QueryID)
		}
	case *Drop:
		f.w("DROP " + s.Kind.String() + " ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.ident(s.Name)
		if s.DeleteTopic {
			f.w(" DELETE TOPIC")
		}
	case *Set:
		f.w("SET " + FormatValue(s.Name) + "=" + FormatValue(s.Value))
	case *Unset:
		f.w("UNSET " + FormatValue(s.Name))
	case *RunScript:
		f.w("RUN SCRIPT " + FormatValue(s.Path))
	case *AssertValues:
		f.w("ASSERT ")
		if s.Null {
			f.w("NULL ")
		}
		f.w("VALUES ")
		f.ident(s.Source)
		if len(s.Columns) > 0 {
			f.w(" ")
			f.identList(s.Columns)
		}
		if s.Null {
			f.w(" KEY (")
		} else {
			f.w(" VALUES (")
		}
		f.exprs(s.Values)
		f.w(")")
	case *AssertSource:
		f.w("ASSERT ")
		if s.NotExists {
			f.w("NOT EXISTS ")
		}
		f.w(s.Kind.String() + " ")
		f.ident(s.Name)
		if s.Columns != nil {
			f.w(" ")
			f.columns(s.Columns)
		}
		f.props(s.Props)
	default:
		f.w(fmt.Sprintf("<%T>", s))
	}
}

func (f *formatter) identList(names []string) {
	f.w("(")
	for i, n := range names {
		if i > 0 {
			f.w(", ")
		}
		f.ident(n)
	}
	f.w(")")
}

func (f *formatter) columns(cols []ColumnDef) {
	f.w("(")
	for i, c := range cols {
		if i > 0 {
			f.w(", ")
		}
		f.ident(c.Name)
		f.w(" " + c.Type.String())
		switch {
		case c.Key:
			f.w(" KEY")
		case c.PrimaryKey:
			f.w(" PRIMARY KEY")
		case c.Headers && c.HeaderKey != "":
			f.w(" HEADER(" + FormatValue(c.HeaderKey) + ")")
		case c.Headers:
			f.w(" HEADERS")
		}
	}
	f.w(")")
}

func (f *formatter) props(ps Properties) {
	if ps == nil {
		return
	}
	f.w(" WITH (")
	for i, p := range ps {
		if i > 0 {
			f.w(", ")
		}
		f.ident(p.Name)
		f.w("=" + FormatValue(p.Value))
	}
	f.w(")")
}

func (f *formatter) query(q *Query) {
	f.w("SELECT ")
	for i, it := range q.Items {
		if i > 0 {
			f.w(", ")
		}
		switch {
		case it.Star && it.StarSource != "":
			f.ident(it.StarSource)
			f.w(".*")
		case it.Star:
			f.w("*")
		case it.StructAll:
			f.expr(it.Expr)
			f.w("->*")
		default:
			f.expr(it.Expr)
			if it.Alias != "" {
				f.w(" AS ")
				f.ident(it.Alias)
			}
		}
	}
	f.w(" FROM ")
	f.relation(q.From)
	if w := q.Window; w != nil {
		f.w(" WINDOW " + w.Type.String() + " (")
		if w.Type != Session {
			f.w("SIZE ")
		}
		f.w(formatDuration(w.Size))
		if w.Type == Hopping {
			f.w(", ADVANCE BY " + formatDuration(w.Advance))
		}
		if w.Retention != nil {
			f.w(", RETENTION " + formatDuration(*w.Retention))
		}
		if w.Grace != nil {
			f.w(", GRACE PERIOD " + formatDuration(*w.Grace))
		}
		f.w(")")
	}
	if q.Where != nil {
		f.w(" WHERE ")
		f.expr(q.Where)
	}
	if len(q.GroupBy) > 0 {
		f.w(" GROUP BY ")
		f.exprs(q.GroupBy)
	}
	if len(q.PartitionBy) > 0 {
		f.w(" PARTITION BY ")
		f.exprs(q.PartitionBy)
	}
	if q.Having != nil {
		f.w(" HAVING ")
		f.expr(q.Having)
	}
	switch q.Emit {
	case EmitChanges:
		f.w(" EMIT CHANGES")
	case EmitFinal:
		f.w(" EMIT FINAL")
	}
	if q.Limit != nil {
		f.w(" LIMIT " + strconv.FormatInt(*q.Limit, 10))
	}
}

func (f *formatter) relation(r Relation) {
	switch r := r.(type) {
	case *SourceRef:
		f.ident(r.Name)
		if r.Alias != "" {
			f.w(" ")
			f.ident(r.Alias)
		}
	case *Join:
		f.relation(r.Left)
		f.w([...]string{" INNER", " LEFT OUTER", " RIGHT OUTER", " FULL OUTER"}[r.Type] + " JOIN ")
		f.relation(r.Right)
		if w := r.Within; w != nil {
			if w.Before == w.After {
				f.w(" WITHIN " + formatDuration(w.Before))
			} else {
				f.w(" WITHIN (" + formatDuration(w.Before) + ", " + formatDuration(w.After) + ")")
			}
			if w.Grace != nil {
				f.w(" GRACE PERIOD " + formatDuration(*w.Grace))
			}
		}
		f.w(" ON ")
		f.expr(r.On)
	default:
		f.w(fmt.Sprintf("<%T>", r))
	}
}
