package parser

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Parse parses one or more ';'-separated statements. Each statement's At is
// the position of its first token and Text its own source text without the
// ';'. Errors are *ast.Error with a line:col into sql.
func Parse(sql string) (stmts []ast.Statement, err error) {
	defer func() {
		// The TiDB parser and our own code must never take the caller down.
		if r := recover(); r != nil {
			stmts, err = nil, ast.Errorf(ast.SyntaxError, ast.Pos{}, "internal parser error: %v", r)
		}
	}()
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	for {
		for p.peek().isOp(";") {
			p.next()
		}
		if p.peek().Kind == tEOF {
			return stmts, nil
		}
		start := p.peek().Off
		s, err := p.parseStatement()
		if err != nil {
			return nil, withStatement(err, sql, start)
		}
		stmts = append(stmts, s)
		if t := p.peek(); t.Kind != tEOF && !t.isOp(";") {
			return nil, p.errAt(t, "mismatched input %s expecting ';'", t.describe(p.src))
		}
	}
}

// withStatement appends the failing statement's text to a syntax error, as
// ksqlDB does ("...\nStatement: CREATE STREAM ...;"), so a message from a
// multi-statement script says which statement it is about.
func withStatement(err error, sql string, start int) error {
	e, ok := err.(*ast.Error)
	if !ok || e.Category != ast.SyntaxError || start < 0 || start >= len(sql) {
		return err
	}
	stmts, rest := SplitStatements(sql[start:])
	text := strings.TrimSpace(rest)
	if len(stmts) > 0 {
		text = strings.TrimSpace(stmts[0]) + ";"
	}
	if text == "" || text == ";" {
		return err
	}
	cp := *e
	cp.Msg += "\nStatement: " + text
	return &cp
}

// ParseExpr parses a single expression.
func ParseExpr(s string) (e ast.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, ast.Errorf(ast.SyntaxError, ast.Pos{}, "internal parser error: %v", r)
		}
	}()
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	e, err = p.parseExpr(exprStops)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.Kind != tEOF {
		return nil, p.errAt(t, "extraneous input %s expecting <EOF>", t.describe(p.src))
	}
	return e, nil
}

// parser is the recursive-descent statement parser over a token slice.
type parser struct {
	src        string
	toks       []token
	i          int
	lineStarts []int
	lineASCII  []bool // columns are byte offsets on ASCII-only lines
}

func newParser(src string) (*parser, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, lineStarts: []int{0}, lineASCII: []bool{true}}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			p.lineStarts = append(p.lineStarts, i+1)
			p.lineASCII = append(p.lineASCII, true)
		case c >= 0x80:
			p.lineASCII[len(p.lineASCII)-1] = false
		}
	}
	return p, nil
}

// posOf converts a byte offset into a position using the line table.
func (p *parser) posOf(off int) ast.Pos {
	if off > len(p.src) {
		off = len(p.src)
	}
	if off < 0 {
		off = 0
	}
	l := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off }) - 1
	start := p.lineStarts[l]
	col := off - start + 1
	if !p.lineASCII[l] {
		col = utf8.RuneCountInString(p.src[start:off]) + 1
	}
	return ast.Pos{Offset: off, Line: l + 1, Col: col}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// prevEnd is the end offset of the last consumed token.
func (p *parser) prevEnd() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].End
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return syntaxErr(t.pos(), format, args...)
}

func (p *parser) semErrAt(t token, format string, args ...any) error {
	return ast.Errorf(ast.SemanticError, t.pos(), format, args...)
}

// checkedErr is a syntax error of ksqlDB's AST builder rather than of its
// grammar, positioned "Line: L, Col: C:".
func checkedErr(at ast.Pos, format string, args ...any) error {
	e := ast.Errorf(ast.SyntaxError, at, format, args...)
	e.Checked = true
	return e
}

// mismatched reports t where one of the expected keywords or symbols should be.
func (p *parser) mismatched(t token, expected ...string) error {
	q := make([]string, len(expected))
	for i, e := range expected {
		q[i] = "'" + e + "'"
	}
	exp := q[0]
	if len(q) > 1 {
		exp = "{" + strings.Join(q, ", ") + "}"
	}
	return p.errAt(t, "mismatched input %s expecting %s", t.describe(p.src), exp)
}

func (p *parser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.peek().isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expect(kw string) (token, error) {
	t := p.peek()
	if !t.is(kw) {
		return t, p.mismatched(t, kw)
	}
	return p.next(), nil
}

func (p *parser) expectOp(op string) (token, error) {
	t := p.peek()
	if !t.isOp(op) {
		if t.Kind == tEOF || t.isOp(";") {
			return t, p.mismatched(t, op)
		}
		return t, p.errAt(t, "missing '%s' at %s", op, t.describe(p.src))
	}
	return p.next(), nil
}

// reserved words cannot be unquoted identifiers: they start or join clauses,
// or are keywords inside expressions.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`SELECT FROM WHERE GROUP BY HAVING PARTITION WINDOW EMIT LIMIT
		JOIN INNER LEFT RIGHT FULL OUTER ON WITHIN AS AND OR NOT IS NULL TRUE FALSE LIKE
		BETWEEN IN CASE WHEN THEN ELSE END CAST DISTINCT ESCAPE WITH EXISTS`) {
		reserved[w] = true
	}
}

// ident reads an identifier: unquoted ones are upper-cased, quoted ones keep
// their case.
func (p *parser) ident() (string, error) {
	t := p.peek()
	switch {
	case t.Kind == tQIdent:
		p.next()
		return t.Val, nil
	case t.Kind == tWord && !reserved[t.Val]:
		p.next()
		return t.Val, nil
	}
	return "", p.errAt(t, "mismatched input %s expecting an identifier", t.describe(p.src))
}

// anyIdent is ident that also accepts reserved words, where the grammar
// position makes them unambiguous (column and field names in definitions).
func (p *parser) anyIdent() (string, error) {
	if t := p.peek(); t.Kind == tWord {
		p.next()
		return t.Val, nil
	}
	return p.ident()
}

func (p *parser) stringLit() (string, error) {
	t := p.peek()
	if t.Kind != tString {
		return "", p.errAt(t, "mismatched input %s expecting STRING", t.describe(p.src))
	}
	p.next()
	return t.Val, nil
}

func (p *parser) intLit() (int64, error) {
	t := p.peek()
	if t.Kind != tInt {
		return 0, p.errAt(t, "mismatched input %s expecting INTEGER_VALUE", t.describe(p.src))
	}
	p.next()
	n, err := strconv.ParseInt(t.Val, 10, 64)
	if err != nil {
		return 0, ast.Errorf(ast.SyntaxError, t.pos(), "Invalid numeric literal: %s", t.Val)
	}
	return n, nil
}

var statementStarts = []string{"SELECT", "CREATE", "INSERT", "SHOW", "LIST", "DESCRIBE", "EXPLAIN",
	"PRINT", "TERMINATE", "DROP", "SET", "UNSET", "RUN", "ASSERT"}

// parseStatement parses one statement and fills in its StmtBase.
func (p *parser) parseStatement() (ast.Statement, error) {
	first := p.peek()
	var s ast.Statement
	var err error
	switch {
	case first.is("SELECT"):
		s, err = p.parseQuery()
	case first.is("CREATE"):
		s, err = p.parseCreate()
	case first.is("INSERT"):
		s, err = p.parseInsert()
	case first.is("SHOW") || first.is("LIST"):
		s, err = p.parseShow()
	case first.is("DESCRIBE"):
		s, err = p.parseDescribe()
	case first.is("EXPLAIN"):
		s, err = p.parseExplain()
	case first.is("PRINT"):
		s, err = p.parsePrint()
	case first.is("TERMINATE"):
		s, err = p.parseTerminate()
	case first.is("DROP"):
		s, err = p.parseDrop()
	case first.is("SET"):
		s, err = p.parseSet()
	case first.is("UNSET"):
		p.next()
		var name string
		name, err = p.stringLit()
		s = &ast.Unset{Name: name}
	case first.is("RUN"):
		p.next()
		if _, err = p.expect("SCRIPT"); err == nil {
			var path string
			path, err = p.stringLit()
			s = &ast.RunScript{Path: path}
		}
	case first.is("ASSERT"):
		s, err = p.parseAssert()
	default:
		return nil, p.mismatched(first, statementStarts...)
	}
	if err != nil {
		return nil, err
	}
	setBase(s, ast.StmtBase{At: p.posOf(first.Off), Text: p.src[first.Off:p.prevEnd()]})
	return s, nil
}

func setBase(s ast.Statement, b ast.StmtBase) {
	switch s := s.(type) {
	case *ast.CreateSource:
		s.StmtBase = b
	case *ast.InsertValues:
		s.StmtBase = b
	case *ast.InsertSelect:
		s.StmtBase = b
	case *ast.Query:
		s.StmtBase = b
	case *ast.Show:
		s.StmtBase = b
	case *ast.Describe:
		s.StmtBase = b
	case *ast.Explain:
		s.StmtBase = b
	case *ast.Print:
		s.StmtBase = b
	case *ast.Terminate:
		s.StmtBase = b
	case *ast.Drop:
		s.StmtBase = b
	case *ast.Set:
		s.StmtBase = b
	case *ast.Unset:
		s.StmtBase = b
	case *ast.RunScript:
		s.StmtBase = b
	case *ast.AssertValues:
		s.StmtBase = b
	case *ast.AssertSource:
		s.StmtBase = b
	}
}

func (p *parser) sourceKind() (ast.SourceKind, error) {
	t := p.peek()
	switch {
	case t.is("STREAM"):
		p.next()
		return ast.Stream, nil
	case t.is("TABLE"):
		p.next()
		return ast.Table, nil
	}
	return 0, p.mismatched(t, "STREAM", "TABLE")
}

func (p *parser) parseCreate() (ast.Statement, error) {
	p.next() // CREATE
	c := &ast.CreateSource{}
	if p.accept("OR") {
		if _, err := p.expect("REPLACE"); err != nil {
			return nil, err
		}
		c.OrReplace = true
	}
	c.Source = p.accept("SOURCE")
	if t := p.peek(); !t.is("STREAM") && !t.is("TABLE") {
		return nil, p.mismatched(t, "STREAM", "TABLE")
	}
	var err error
	if c.Kind, err = p.sourceKind(); err != nil {
		return nil, err
	}
	if p.accept("IF") {
		if _, err := p.expect("NOT"); err != nil {
			return nil, err
		}
		if _, err := p.expect("EXISTS"); err != nil {
			return nil, err
		}
		c.IfNotExists = true
	}
	c.NameAt = p.peek().pos()
	c.NameAt = p.posOf(p.peek().Off)
	if c.Name, err = p.ident(); err != nil {
		return nil, err
	}
	if p.peek().isOp("(") {
		if c.Columns, err = p.parseColumnDefs(c.Kind); err != nil {
			return nil, err
		}
	}
	if p.peek().is("WITH") {
		if c.Props, err = p.parseProps(); err != nil {
			return nil, err
		}
	}
	if p.peek().is("AS") {
		asTok := p.next()
		if c.Columns != nil {
			return nil, p.errAt(asTok, "mismatched input 'AS' expecting {';', 'WITH'}")
		}
		if c.Source {
			return nil, p.errAt(asTok, "CREATE SOURCE %s cannot be a CREATE ... AS SELECT", c.Kind)
		}
		first := p.peek()
		if !first.is("SELECT") {
			return nil, p.mismatched(first, "SELECT")
		}
		q, err := p.parseQuery()
		if err != nil {
			return nil, err
		}
		q.StmtBase = ast.StmtBase{At: p.posOf(first.Off), Text: p.src[first.Off:p.prevEnd()]}
		c.AsSelect = q
	}
	return c, nil
}

// parseColumnDefs reads (name type [KEY|PRIMARY KEY|HEADERS|HEADER('k')], ...).
func (p *parser) parseColumnDefs(kind ast.SourceKind) ([]ast.ColumnDef, error) {
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	cols := []ast.ColumnDef{}
	for {
		at := p.peek()
		name, err := p.anyIdent()
		if err != nil {
			return nil, err
		}
		typ, err := p.parseType()
		if err != nil {
			return nil, err
		}
		col := ast.ColumnDef{At: p.posOf(at.Off), Name: name, Type: typ}
		switch t := p.peek(); {
		case t.is("KEY"):
			p.next()
			if kind == ast.Table {
				return nil, checkedErr(p.posOf(at.Off), "Column %s is a 'KEY' column: please use 'PRIMARY KEY' for tables.", types.QuoteIdent(name))
			}
			col.Key = true
		case t.is("PRIMARY"):
			p.next()
			if _, err := p.expect("KEY"); err != nil {
				return nil, err
			}
			if kind == ast.Stream {
				return nil, checkedErr(p.posOf(at.Off), "Column %s is a 'PRIMARY KEY' column: please use 'KEY' for streams.", types.QuoteIdent(name))
			}
			col.PrimaryKey = true
		case t.is("HEADERS"):
			p.next()
			col.Headers = true
		case t.is("HEADER"):
			p.next()
			if _, err := p.expectOp("("); err != nil {
				return nil, err
			}
			if col.HeaderKey, err = p.stringLit(); err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			col.Headers = true
		}
		cols = append(cols, col)
		if p.acceptOp(",") {
			continue
		}
		t := p.peek()
		if !t.isOp(")") {
			if t.Kind == tEOF || t.isOp(";") {
				return nil, p.mismatched(t, ",", ")")
			}
			return nil, p.errAt(t, "extraneous input %s expecting {',', ')'}", t.describe(p.src))
		}
		p.next()
		return cols, nil
	}
}

// parseProps reads WITH (name = literal, ...).
func (p *parser) parseProps() (ast.Properties, error) {
	if _, err := p.expect("WITH"); err != nil {
		return nil, err
	}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	props := ast.Properties{}
	for {
		at := p.peek()
		name, err := p.anyIdent()
		if err != nil {
			return nil, err
		}
		name = strings.ToUpper(name)
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		val, err := p.propValue()
		if err != nil {
			return nil, err
		}
		props = append(props, ast.Property{At: p.posOf(at.Off), Name: name, Value: val})
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return props, p.checkProps(props)
	}
}

// propValue reads a WITH value: a string, number or boolean literal.
func (p *parser) propValue() (any, error) {
	t := p.peek()
	neg := false
	if t.isOp("-") && (p.peekN(1).Kind == tInt || p.peekN(1).Kind == tDecimal || p.peekN(1).Kind == tFloat) {
		neg = true
		p.next()
		t = p.peek()
	}
	switch {
	case t.Kind == tString && !neg:
		p.next()
		return t.Val, nil
	case t.is("TRUE") && !neg:
		p.next()
		return true, nil
	case t.is("FALSE") && !neg:
		p.next()
		return false, nil
	case t.Kind == tInt || t.Kind == tDecimal || t.Kind == tFloat:
		p.next()
		text := t.Val
		if neg {
			text = "-" + text
		}
		v, err := numberValue(t.Kind, text)
		if err != nil {
			return nil, ast.Errorf(ast.SyntaxError, t.pos(), "%s", err.Error())
		}
		if i, ok := v.(int32); ok {
			return int64(i), nil
		}
		return v, nil
	}
	return nil, p.errAt(t, "mismatched input %s expecting {STRING, INTEGER_VALUE, DECIMAL_VALUE, 'TRUE', 'FALSE'}", t.describe(p.src))
}

// checkProps rejects WITH values that ksqlDB rejects while parsing.
func (p *parser) checkProps(props ast.Properties) error {
	var wt string
	for _, pr := range props {
		if pr.Name == "WINDOW_TYPE" {
			if s, ok := pr.Value.(string); ok {
				wt = strings.ToUpper(s)
			}
		}
	}
	for _, pr := range props {
		if pr.Name != "WINDOW_SIZE" {
			continue
		}
		if wt == "SESSION" {
			return ast.Errorf(ast.SyntaxError, pr.At, "'WINDOW_SIZE' should not be set for SESSION windows.")
		}
		s, _ := pr.Value.(string)
		if _, err := ParseDuration(s); err != nil {
			return ast.Errorf(ast.SyntaxError, pr.At, "Configuration WINDOW_SIZE is invalid: %v", err)
		}
	}
	return nil
}

// durationUnits are ksqlDB's time units, singular and plural.
var durationUnits = map[string]time.Duration{
	"MILLISECOND": time.Millisecond, "MILLISECONDS": time.Millisecond,
	"SECOND": time.Second, "SECONDS": time.Second,
	"MINUTE": time.Minute, "MINUTES": time.Minute,
	"HOUR": time.Hour, "HOURS": time.Hour,
	"DAY": 24 * time.Hour, "DAYS": 24 * time.Hour,
}

// ParseDuration reads a ksqlDB duration string such as "30 SECONDS", as
// used by the WINDOW_SIZE property. Error texts follow ksqlDB's.
func ParseDuration(s string) (time.Duration, error) {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return 0, fmt.Errorf("Invalid duration: '%s'. Expected format: <number> <unit>", s)
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Invalid duration: '%s'. Not a number: '%s'", s, parts[0])
	}
	unit, ok := durationUnits[strings.ToUpper(parts[1])]
	if !ok {
		return 0, fmt.Errorf("Invalid duration: '%s'. Unknown time unit: '%s'", s, strings.ToUpper(parts[1]))
	}
	if n < 0 || n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("Invalid duration: '%s'. Out of range", s)
	}
	return time.Duration(n) * unit, nil
}

// duration reads "n unit" in WINDOW and WITHIN clauses.
func (p *parser) duration() (time.Duration, error) {
	nt := p.peek()
	n, err := p.intLit()
	if err != nil {
		return 0, err
	}
	ut := p.peek()
	unit, ok := durationUnits[ut.Val]
	if ut.Kind != tWord || !ok {
		return 0, p.errAt(ut, "mismatched input %s expecting {'MILLISECOND', 'MILLISECONDS', 'SECOND', 'SECONDS', 'MINUTE', 'MINUTES', 'HOUR', 'HOURS', 'DAY', 'DAYS'}", ut.describe(p.src))
	}
	p.next()
	if n > math.MaxInt64/int64(unit) {
		return 0, p.errAt(nt, "duration out of range: %d %s", n, ut.Val)
	}
	return time.Duration(n) * unit, nil
}

func (p *parser) parseInsert() (ast.Statement, error) {
	p.next() // INSERT
	if _, err := p.expect("INTO"); err != nil {
		return nil, err
	}
	target, err := p.ident()
	if err != nil {
		return nil, err
	}
	var cols []string
	if p.peek().isOp("(") {
		if cols, err = p.identList(); err != nil {
			return nil, err
		}
	}
	t := p.peek()
	switch {
	case t.is("VALUES"):
		p.next()
		vals, err := p.parenExprList()
		if err != nil {
			return nil, err
		}
		return &ast.InsertValues{Target: target, Columns: cols, Values: vals}, nil
	case (t.is("WITH") || t.is("SELECT")) && cols == nil:
		ins := &ast.InsertSelect{Target: target}
		if t.is("WITH") {
			if ins.Props, err = p.parseProps(); err != nil {
				return nil, err
			}
		}
		first := p.peek()
		if !first.is("SELECT") {
			return nil, p.mismatched(first, "SELECT")
		}
		if ins.Query, err = p.parseQuery(); err != nil {
			return nil, err
		}
		ins.Query.StmtBase = ast.StmtBase{At: p.posOf(first.Off), Text: p.src[first.Off:p.prevEnd()]}
		return ins, nil
	}
	if cols != nil {
		return nil, p.mismatched(t, "VALUES")
	}
	return nil, p.mismatched(t, "VALUES", "WITH", "SELECT", "(")
}

// identList reads (a, b, ...).
func (p *parser) identList() ([]string, error) {
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var out []string
	for {
		name, err := p.anyIdent()
		if err != nil {
			return nil, err
		}
		out = append(out, name)
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// parenExprList reads (expr, ...).
func (p *parser) parenExprList() ([]ast.Expr, error) {
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	if p.acceptOp(")") {
		return []ast.Expr{}, nil
	}
	items, err := p.parseExprItems(ctxList)
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	out := make([]ast.Expr, len(items))
	for i, it := range items {
		out[i] = it.Expr
	}
	return out, nil
}

func (p *parser) parseQuery() (*ast.Query, error) {
	if _, err := p.expect("SELECT"); err != nil {
		return nil, err
	}
	q := &ast.Query{}
	items, err := p.parseExprItems(ctxSelect)
	if err != nil {
		return nil, err
	}
	q.Items = items
	if _, err := p.expect("FROM"); err != nil {
		return nil, err
	}
	if q.From, err = p.parseRelation(); err != nil {
		return nil, err
	}
	if p.peek().is("WINDOW") {
		if q.Window, err = p.parseWindow(); err != nil {
			return nil, err
		}
	}
	if p.accept("WHERE") {
		if q.Where, err = p.parseExpr(exprStops); err != nil {
			return nil, err
		}
	}
	if p.accept("GROUP") {
		if _, err := p.expect("BY"); err != nil {
			return nil, err
		}
		if q.GroupBy, err = p.parseGroupBy(); err != nil {
			return nil, err
		}
	}
	if p.accept("PARTITION") {
		if _, err := p.expect("BY"); err != nil {
			return nil, err
		}
		if q.PartitionBy, err = p.parseValueExprs(); err != nil {
			return nil, err
		}
	}
	if p.accept("HAVING") {
		if q.Having, err = p.parseExpr(exprStops); err != nil {
			return nil, err
		}
	}
	if p.accept("EMIT") {
		switch t := p.peek(); {
		case t.is("CHANGES"):
			q.Emit = ast.EmitChanges
		case t.is("FINAL"):
			q.Emit = ast.EmitFinal
		default:
			return nil, p.mismatched(t, "CHANGES", "FINAL")
		}
		p.next()
	}
	if p.accept("LIMIT") {
		n, err := p.intLit()
		if err != nil {
			return nil, err
		}
		q.Limit = &n
	}
	return q, nil
}

// parseValueExprs reads GROUP BY / PARTITION BY lists. ksqlDB only allows
// value expressions there, so a bare comparison or AND is a syntax error.
func (p *parser) parseValueExprs() ([]ast.Expr, error) {
	start := p.i
	items, err := p.parseExprItems(ctxList)
	if err != nil {
		return nil, err
	}
	if t, ok := p.findPredicateOp(start, p.i); ok {
		return nil, p.errAt(t, "extraneous input %s expecting {',', ';'}", t.describe(p.src))
	}
	out := make([]ast.Expr, len(items))
	for i, it := range items {
		out[i] = it.Expr
	}
	return out, nil
}

// parseGroupBy reads a GROUP BY list, or ksqlDB's grouping set: one
// parenthesised list, GROUP BY (a, b), which groups by a and b. A
// parenthesised expression, such as (a + b) * 2, is an element, and a list
// among other elements (GROUP BY c, (a, b)) is a syntax error, as in ksqlDB.
func (p *parser) parseGroupBy() ([]ast.Expr, error) {
	end := p.extent()
	if !p.toks[p.i].isOp("(") {
		return p.parseValueExprs()
	}
	closing, commas := p.closingParen(p.i, end)
	if closing != end-1 || commas == 0 {
		return p.parseValueExprs()
	}
	start := p.i
	es, err := p.parenExprList()
	if err != nil {
		return nil, err
	}
	if t, ok := p.findPredicateOp(start+1, p.i-1); ok {
		return nil, p.errAt(t, "extraneous input %s expecting {',', ')'}", t.describe(p.src))
	}
	return es, nil
}

// closingParen returns the index of the ')' matching the '(' at open
// (before end, else -1) and the number of commas directly inside.
func (p *parser) closingParen(open, end int) (int, int) {
	closing, commas := -1, 0
	p.walkDepth(open, end, func(i, depth int) bool {
		t := p.toks[i]
		switch {
		case i > open && depth == 0 && t.closes():
			closing = i
			return false
		case depth == 1 && t.isOp(","):
			commas++
		}
		return true
	})
	if closing < 0 {
		return -1, 0
	}
	return closing, commas
}

// findPredicateOp finds the first operator outside parentheses and CASE that
// makes a boolean (not a value) expression.
func (p *parser) findPredicateOp(from, to int) (token, bool) {
	var found token
	ok := false
	p.walkDepth(from, to, func(i, depth int) bool {
		t := p.toks[i]
		if depth == 0 && (t.Kind == tWord && predicateWords[t.Val] || t.Kind == tOp && comparisonOps[t.Val]) {
			found, ok = t, true
			return false
		}
		return true
	})
	return found, ok
}

// walkDepth calls fn for the tokens in [from, to) with their nesting depth
// (a closing token has the depth outside it, an opening one too) until fn
// returns false.
func (p *parser) walkDepth(from, to int, fn func(i, depth int) bool) {
	depth := 0
	for i := from; i < to; i++ {
		t := p.toks[i]
		if t.closes() {
			depth--
		}
		if !fn(i, depth) {
			return
		}
		if t.opens() {
			depth++
		}
	}
}

var predicateWords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IS": true, "LIKE": true, "BETWEEN": true, "IN": true}
var comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) parseRelation() (ast.Relation, error) {
	left, err := p.parseSourceRef()
	if err != nil {
		return nil, err
	}
	var rel ast.Relation = left
	for {
		t := p.peek()
		jt := ast.InnerJoin
		switch {
		case t.is("JOIN"):
		case t.is("INNER"):
			p.next()
		case t.is("LEFT"):
			p.next()
			jt = ast.LeftJoin
			p.accept("OUTER")
		case t.is("RIGHT"):
			p.next()
			jt = ast.RightJoin
			p.accept("OUTER")
		case t.is("FULL"):
			p.next()
			jt = ast.FullJoin
			p.accept("OUTER")
		default:
			return rel, nil
		}
		if _, err := p.expect("JOIN"); err != nil {
			return nil, err
		}
		j := &ast.Join{At: p.posOf(t.Off), Type: jt, Left: rel}
		right, err := p.parseSourceRef()
		if err != nil {
			return nil, err
		}
		j.Right = right
		if p.accept("WITHIN") {
			w := &ast.Within{}
			if p.acceptOp("(") {
				if w.Before, err = p.duration(); err != nil {
					return nil, err
				}
				if _, err := p.expectOp(","); err != nil {
					return nil, err
				}
				if w.After, err = p.duration(); err != nil {
					return nil, err
				}
				if _, err := p.expectOp(")"); err != nil {
					return nil, err
				}
			} else {
				if w.Before, err = p.duration(); err != nil {
					return nil, err
				}
				w.After = w.Before
			}
			if p.peek().is("GRACE") {
				g, err := p.grace()
				if err != nil {
					return nil, err
				}
				w.Grace = &g
			}
			j.Within = w
		}
		if _, err := p.expect("ON"); err != nil {
			return nil, err
		}
		if j.On, err = p.parseExpr(exprStops); err != nil {
			return nil, err
		}
		rel = j
	}
}

func (p *parser) grace() (time.Duration, error) {
	if _, err := p.expect("GRACE"); err != nil {
		return 0, err
	}
	if _, err := p.expect("PERIOD"); err != nil {
		return 0, err
	}
	return p.duration()
}

func (p *parser) parseSourceRef() (*ast.SourceRef, error) {
	at := p.peek()
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	ref := &ast.SourceRef{At: p.posOf(at.Off), Name: name}
	if p.peek().isOp("(") {
		return nil, p.errAt(p.peek(), "mismatched input '(' expecting a source name: table functions are not allowed in FROM")
	}
	if p.accept("AS") {
		if ref.Alias, err = p.ident(); err != nil {
			return nil, err
		}
	} else if t := p.peek(); t.Kind == tQIdent || t.Kind == tWord && !reserved[t.Val] {
		ref.Alias, _ = p.ident()
	}
	return ref, nil
}

func (p *parser) parseWindow() (*ast.Window, error) {
	wt, _ := p.expect("WINDOW")
	w := &ast.Window{At: p.posOf(wt.Off)}
	t := p.peek()
	if n := p.peekN(1); t.Kind == tWord && (n.is("TUMBLING") || n.is("HOPPING") || n.is("SESSION")) {
		// ksqlDB's grammar lets a window be named (WINDOW w SESSION ...);
		// nothing refers to the name.
		p.next()
		t = n
	}
	switch {
	case t.is("TUMBLING"):
		w.Type = ast.Tumbling
	case t.is("HOPPING"):
		w.Type = ast.Hopping
	case t.is("SESSION"):
		w.Type = ast.Session
	default:
		return nil, p.mismatched(t, "TUMBLING", "HOPPING", "SESSION")
	}
	p.next()
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var err error
	if w.Type == ast.Session {
		if w.Size, err = p.duration(); err != nil {
			return nil, err
		}
	} else {
		if _, err := p.expect("SIZE"); err != nil {
			return nil, err
		}
		if w.Size, err = p.duration(); err != nil {
			return nil, err
		}
		if w.Type == ast.Hopping {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
			if _, err := p.expect("ADVANCE"); err != nil {
				return nil, err
			}
			if _, err := p.expect("BY"); err != nil {
				return nil, err
			}
			if w.Advance, err = p.duration(); err != nil {
				return nil, err
			}
		}
	}
	for p.acceptOp(",") {
		switch t := p.peek(); {
		case t.is("RETENTION") && w.Retention == nil:
			p.next()
			d, err := p.duration()
			if err != nil {
				return nil, err
			}
			w.Retention = &d
		case t.is("GRACE") && w.Grace == nil:
			d, err := p.grace()
			if err != nil {
				return nil, err
			}
			w.Grace = &d
		default:
			return nil, p.mismatched(t, "RETENTION", "GRACE")
		}
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return w, nil
}

var showKinds = map[string]ast.ShowKind{
	"STREAMS": ast.ShowStreams, "TABLES": ast.ShowTables, "TOPICS": ast.ShowTopics,
	"QUERIES": ast.ShowQueries, "PROPERTIES": ast.ShowProperties, "FUNCTIONS": ast.ShowFunctions,
	"TYPES": ast.ShowTypes,
}

func (p *parser) parseShow() (ast.Statement, error) {
	p.next() // SHOW | LIST
	s := &ast.Show{}
	if p.accept("ALL") {
		s.All = true
		if _, err := p.expect("TOPICS"); err != nil {
			return nil, err
		}
		s.What = ast.ShowTopics
	} else {
		t := p.peek()
		k, ok := showKinds[t.Val]
		if t.Kind != tWord || !ok {
			return nil, p.mismatched(t, "STREAMS", "TABLES", "TOPICS", "ALL", "QUERIES", "PROPERTIES", "FUNCTIONS", "TYPES")
		}
		p.next()
		s.What = k
	}
	s.Extended = p.accept("EXTENDED")
	return s, nil
}

func (p *parser) parseDescribe() (ast.Statement, error) {
	p.next() // DESCRIBE
	d := &ast.Describe{}
	switch t := p.peek(); {
	case t.is("FUNCTION"):
		p.next()
		d.Function = true
		var err error
		if d.Name, err = p.anyIdent(); err != nil {
			return nil, err
		}
		return d, nil
	case t.is("STREAMS") || t.is("TABLES"):
		p.next()
		k := showKinds[t.Val]
		d.AllOf = &k
		d.Extended = p.accept("EXTENDED")
		return d, nil
	}
	// DESCRIBE EXTENDED name, unless EXTENDED is itself the name.
	if p.peek().is("EXTENDED") && p.peekN(1).Kind != tEOF && !p.peekN(1).isOp(";") {
		p.next()
		d.Extended = true
	}
	var err error
	if d.Name, err = p.ident(); err != nil {
		return nil, err
	}
	// ksqlDB's grammar puts EXTENDED after the name (DESCRIBE name
	// EXTENDED); the leading form is its older one.
	if !d.Extended && p.accept("EXTENDED") {
		d.Extended = true
	}
	return d, nil
}

func (p *parser) parseExplain() (ast.Statement, error) {
	p.next() // EXPLAIN
	t := p.peek()
	if t.is("SELECT") || t.is("CREATE") || t.is("INSERT") {
		s, err := p.parseStatement()
		if err != nil {
			return nil, err
		}
		return &ast.Explain{Stmt: s}, nil
	}
	id, err := p.ident()
	if err != nil {
		return nil, p.mismatched(t, "SELECT", "CREATE", "INSERT", "<query id>")
	}
	return &ast.Explain{QueryID: id}, nil
}

func (p *parser) parsePrint() (ast.Statement, error) {
	p.next() // PRINT
	pr := &ast.Print{}
	t := p.peek()
	switch t.Kind {
	case tString, tQIdent:
		pr.Topic = t.Val
	case tWord:
		// Topic names are case-sensitive Kafka names, not SQL identifiers.
		pr.Topic = p.src[t.Off:t.End]
	default:
		return nil, p.errAt(t, "mismatched input %s expecting a topic name", t.describe(p.src))
	}
	p.next()
	if p.accept("FROM") {
		if _, err := p.expect("BEGINNING"); err != nil {
			return nil, err
		}
		pr.FromBeginning = true
	}
	if p.accept("INTERVAL") || p.accept("SAMPLE") {
		n, err := p.intLit()
		if err != nil {
			return nil, err
		}
		pr.Interval = n
	}
	if p.accept("LIMIT") {
		n, err := p.intLit()
		if err != nil {
			return nil, err
		}
		pr.Limit = &n
	}
	return pr, nil
}

func (p *parser) parseTerminate() (ast.Statement, error) {
	p.next() // TERMINATE
	if p.accept("ALL") {
		return &ast.Terminate{All: true}, nil
	}
	id, err := p.ident()
	if err != nil {
		return nil, err
	}
	return &ast.Terminate{QueryID: id}, nil
}

func (p *parser) parseDrop() (ast.Statement, error) {
	p.next() // DROP
	d := &ast.Drop{}
	var err error
	if d.Kind, err = p.sourceKind(); err != nil {
		return nil, err
	}
	if p.accept("IF") {
		if _, err := p.expect("EXISTS"); err != nil {
			return nil, err
		}
		d.IfExists = true
	}
	if d.Name, err = p.ident(); err != nil {
		return nil, err
	}
	if p.accept("DELETE") {
		if _, err := p.expect("TOPIC"); err != nil {
			return nil, err
		}
		d.DeleteTopic = true
	}
	return d, nil
}

func (p *parser) parseSet() (ast.Statement, error) {
	p.next() // SET
	name, err := p.stringLit()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp("="); err != nil {
		return nil, err
	}
	val, err := p.stringLit()
	if err != nil {
		return nil, err
	}
	return &ast.Set{Name: name, Value: val}, nil
}

func (p *parser) parseAssert() (ast.Statement, error) {
	assertTok := p.next()
	s, err := p.parseAssertBody()
	if err != nil {
		// ksqlDB's test-statement parser reports the whole ASSERT as failing
		// at the word after ASSERT.
		if e, ok := err.(*ast.Error); ok && e.Category == ast.SyntaxError {
			at := p.toks[p.indexOf(assertTok)+1]
			if at.is("NULL") || at.is("NOT") {
				at = p.toks[p.indexOf(assertTok)+2]
			}
			pos := p.posOf(at.Off)
			return nil, ast.Errorf(ast.SyntaxError, pos, "Syntax error at or near %s at line %d:%d", at.describe(p.src), pos.Line, pos.Col)
		}
		return nil, err
	}
	return s, nil
}

func (p *parser) indexOf(t token) int {
	for i, x := range p.toks {
		if x.Off == t.Off {
			return i
		}
	}
	return len(p.toks) - 1
}

func (p *parser) parseAssertBody() (ast.Statement, error) {
	t := p.peek()
	switch {
	case t.is("VALUES") || t.is("NULL"):
		a := &ast.AssertValues{}
		if p.accept("NULL") {
			a.Null = true
		}
		if _, err := p.expect("VALUES"); err != nil {
			return nil, err
		}
		var err error
		if a.Source, err = p.ident(); err != nil {
			return nil, err
		}
		if p.peek().isOp("(") {
			if a.Columns, err = p.identList(); err != nil {
				return nil, err
			}
		}
		kw := "VALUES"
		if a.Null {
			kw = "KEY"
		}
		if _, err := p.expect(kw); err != nil {
			return nil, err
		}
		if a.Values, err = p.parenExprList(); err != nil {
			return nil, err
		}
		return a, nil
	case t.is("NOT") || t.is("STREAM") || t.is("TABLE"):
		a := &ast.AssertSource{}
		if p.accept("NOT") {
			if _, err := p.expect("EXISTS"); err != nil {
				return nil, err
			}
			a.NotExists = true
		}
		var err error
		if a.Kind, err = p.sourceKind(); err != nil {
			return nil, err
		}
		if a.Name, err = p.ident(); err != nil {
			return nil, err
		}
		if p.peek().isOp("(") {
			if a.Columns, err = p.parseColumnDefs(a.Kind); err != nil {
				return nil, err
			}
		}
		if p.peek().is("WITH") {
			if a.Props, err = p.parseProps(); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	return nil, p.mismatched(t, "VALUES", "NULL", "NOT", "STREAM", "TABLE")
}
