package parser

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	tparser "github.com/pingcap/tidb/pkg/parser"
	tast "github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// How expressions are parsed
//
// The statement parser finds the extent of an expression list (up to a
// clause keyword at depth 0), then rewrite turns its tokens into MySQL text
// that TiDB reads as "SELECT <list>":
//
//   - every identifier is backquoted (unquoted ones upper-cased), so case
//     folding and reserved words are settled here, not by TiDB;
//   - ksqlDB-only syntax becomes calls to marker functions: x->f is
//     __DEREF(x,'F'), x[i] is __SUBSCRIPT(x,i), CAST(x AS t) is
//     __CAST(x,n) with the type kept in a side table, ARRAY[..] is
//     __ARRAY(..), MAP(k:=v) is __MAP(k,v), STRUCT(a:=1) is __STRUCT('A',1),
//     x => e is __LAMBDA('X',e), TRUE is __TRUE(), a unit argument is
//     __UNIT('SECONDS'), f(*) is f(__STAR()) and f(DISTINCT x) is
//     f(__DISTINCT(),x);
//   - numbers become __NUM(n), an index into a side table of their tokens,
//     so literal typing (INT, BIGINT, DECIMAL with its scale, DOUBLE) is ours;
//   - IS NOT DISTINCT FROM is <=> and IS DISTINCT FROM is REGEXP (which
//     ksqlDB lacks, and which has comparison precedence in MySQL).
//
// Every emitted token remembers the source offset it came from, so TiDB's
// node offsets and error offsets map back to the user's line:col. Marker
// names are emitted backquoted: TiDB looks up every bare identifier starting
// with '_' as a charset introducer, which is slow.

// exprStops are the words that end an expression at depth 0.
var exprStops = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "PARTITION": true, "HAVING": true, "WINDOW": true,
	"EMIT": true, "LIMIT": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "ON": true, "WITHIN": true,
}

// exprKeywords pass through to TiDB unquoted.
var exprKeywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "ESCAPE": true, "BETWEEN": true,
	"IN": true, "WHEN": true, "THEN": true, "ELSE": true,
}

type exprCtx int

const (
	ctxSingle exprCtx = iota // one expression
	ctxList                  // comma-separated expressions
	ctxSelect                // select items: aliases and * allowed
)

// extent returns the index of the token ending the expression that starts
// at p.i.
func (p *parser) extent() int {
	depth := 0
	for i := p.i; i < len(p.toks); i++ {
		t := p.toks[i]
		switch {
		case t.Kind == tEOF || t.isOp(";"):
			return i
		case t.opens():
			depth++
		case t.closes():
			if depth == 0 {
				return i
			}
			depth--
		case t.Kind == tWord && exprStops[t.Val]:
			// Stop words are reserved, so they end the expression even
			// inside brackets: "f(a FROM s" is missing a ')'.
			if t.is("FROM") && i > p.i && p.toks[i-1].is("DISTINCT") {
				continue
			}
			return i
		}
	}
	return len(p.toks) - 1
}

// parseExpr parses one expression at p.i.
func (p *parser) parseExpr(_ map[string]bool) (ast.Expr, error) {
	items, err := p.parseExprItems(ctxSingle)
	if err != nil {
		return nil, err
	}
	return items[0].Expr, nil
}

// parseExprItems parses an expression list at p.i and moves past it.
func (p *parser) parseExprItems(ctx exprCtx) ([]ast.SelectItem, error) {
	end := p.extent()
	if end == p.i {
		t := p.toks[end]
		return nil, p.errAt(t, "mismatched input %s expecting an expression", t.describe(p.src))
	}
	rw := &rewriter{p: p, ctx: ctx, lastPrim: -1}
	if err := rw.run(p.i, end); err != nil {
		return nil, err
	}
	fields, err := rw.parseTiDB(p.toks[end])
	if err != nil {
		return nil, err
	}
	if len(fields) != len(rw.itemStarts) {
		return nil, p.errAt(p.toks[end], "internal error: %d items parsed, %d expected", len(fields), len(rw.itemStarts))
	}
	items := make([]ast.SelectItem, len(fields))
	for i, f := range fields {
		st := p.toks[rw.itemStarts[i]]
		it := ast.SelectItem{At: p.posOf(st.Off)}
		if f.WildCard != nil {
			if f.WildCard.Schema.O != "" {
				return nil, p.errAt(st, "extraneous input '.'")
			}
			it.Star, it.StarSource = true, f.WildCard.Table.O
		} else {
			if it.Expr, err = rw.convert(f.Expr); err != nil {
				return nil, err
			}
			it.Alias = f.AsName.O
			if d, ok := it.Expr.(*ast.Deref); ok && d.Field == "*" {
				if it.Alias != "" {
					return nil, p.errAt(st, "mismatched input 'AS' expecting {',', 'FROM'}")
				}
				it.Expr, it.StructAll = d.X, true
			}
		}
		items[i] = it
	}
	p.i = end
	return items, nil
}

// rwTok is one token of rewritten text and the source offset it stands for.
type rwTok struct {
	text string
	orig int
}

type groupKind int

const (
	gParen groupKind = iota
	gCall
	gCast
	gArray
	gMap
	gStruct
	gSubscript
	gCase
	gLambda
	gInList
)

type group struct {
	kind      groupKind
	start     int // index in out where the enclosing primary starts
	open      token
	sawAssign bool // gMap: ':=' seen in the current entry
	sawAs     bool // gCast
}

type rewriter struct {
	p          *parser
	ctx        exprCtx
	out        []rwTok
	groups     []group
	lastPrim   int  // start in out of the last complete primary
	operand    bool // the previous token ended an operand
	afterAlias bool
	itemStarts []int // token index of each top-level item
	nums       []token
	offs       []int // start of each out token in the rewritten text
	types      []*types.Type
}

func (rw *rewriter) emit(text string, orig int) { rw.out = append(rw.out, rwTok{text, orig}) }

func (rw *rewriter) top() *group {
	if len(rw.groups) == 0 {
		return nil
	}
	return &rw.groups[len(rw.groups)-1]
}

// primary records a complete operand starting at out index start.
func (rw *rewriter) primary(start int) {
	rw.lastPrim = start
	rw.operand = true
}

func isIdentTok(t token) bool { return t.Kind == tQIdent || t.Kind == tWord }

// quoteName backquotes a name for TiDB.
func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteStr(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var unitWords = map[string]bool{
	"MILLISECOND": true, "MILLISECONDS": true, "SECOND": true, "SECONDS": true, "MINUTE": true, "MINUTES": true,
	"HOUR": true, "HOURS": true, "DAY": true, "DAYS": true,
}

func (rw *rewriter) closeLambdas() {
	for g := rw.top(); g != nil && g.kind == gLambda; g = rw.top() {
		rw.emit(")", g.open.Off)
		rw.groups = rw.groups[:len(rw.groups)-1]
		rw.primary(g.start)
	}
}

func (rw *rewriter) run(from, to int) error {
	p := rw.p
	rw.itemStarts = []int{from}
	for i := from; i < to; i++ {
		t := p.toks[i]
		nx := p.toks[i+1] // to is never past the EOF token
		if rw.afterAlias && !t.isOp(",") {
			return p.errAt(t, "extraneous input %s expecting {',', 'FROM'}", t.describe(p.src))
		}
		switch t.Kind {
		case tWord, tQIdent:
			n, err := rw.word(i, to)
			if err != nil {
				return err
			}
			i += n
		case tString:
			if rw.operand {
				return rw.extraneous(t)
			}
			rw.emit(quoteStr(t.Val), t.Off)
			rw.primary(len(rw.out) - 1)
		case tInt, tDecimal, tFloat:
			if rw.operand {
				return rw.extraneous(t)
			}
			rw.emit(fmt.Sprintf("`__NUM`(%d)", len(rw.nums)), t.Off)
			rw.nums = append(rw.nums, t)
			rw.primary(len(rw.out) - 1)
		case tOp:
			n, err := rw.op(i, t, nx, to)
			if err != nil {
				return err
			}
			i += n
		}
	}
	rw.closeLambdas()
	if g := rw.top(); g != nil {
		end := p.toks[to]
		close := ")"
		if g.kind == gArray || g.kind == gSubscript {
			close = "]"
		} else if g.kind == gCase {
			close = "END"
		}
		if end.Kind == tEOF || end.isOp(";") {
			return p.mismatched(end, close)
		}
		return p.errAt(end, "missing '%s' at %s", close, end.describe(p.src))
	}
	return nil
}

func (rw *rewriter) extraneous(t token) error {
	return rw.p.errAt(t, "extraneous input %s", t.describe(rw.p.src))
}

// word handles an identifier or keyword at i; it returns how many extra
// tokens it consumed.
func (rw *rewriter) word(i, to int) (int, error) {
	p := rw.p
	t, nx := p.toks[i], p.toks[i+1]
	start := len(rw.out)
	if t.Kind == tWord {
		switch v := t.Val; {
		case exprKeywords[v]:
			if v == "NOT" && rw.operand {
				// "x NOT LIKE", "x NOT IN", "x NOT BETWEEN".
				if !(nx.is("LIKE") || nx.is("IN") || nx.is("BETWEEN")) {
					return 0, rw.extraneous(t)
				}
			}
			rw.emit(v, t.Off)
			rw.operand = false
			return 0, nil
		case v == "NULL":
			if rw.operand {
				return 0, rw.extraneous(t)
			}
			rw.emit("NULL", t.Off)
			rw.primary(start)
			return 0, nil
		case v == "TRUE" || v == "FALSE":
			if rw.operand {
				return 0, rw.extraneous(t)
			}
			rw.emit("`__"+v+"`()", t.Off)
			rw.primary(start)
			return 0, nil
		case v == "IS":
			if !rw.operand {
				return 0, rw.extraneous(t)
			}
			n := 1
			not := false
			if p.toks[i+n].is("NOT") {
				not = true
				n++
			}
			if p.toks[i+n].is("DISTINCT") {
				if !p.toks[i+n+1].is("FROM") {
					return 0, p.mismatched(p.toks[i+n+1], "FROM")
				}
				if not {
					rw.emit("<=>", t.Off)
				} else {
					rw.emit("REGEXP", t.Off)
				}
				rw.operand = false
				return n + 1, nil
			}
			rw.emit("IS", t.Off)
			rw.operand = false
			return 0, nil
		case v == "CASE":
			if rw.operand {
				return 0, rw.extraneous(t)
			}
			rw.groups = append(rw.groups, group{kind: gCase, start: start, open: t})
			rw.emit("CASE", t.Off)
			rw.operand = false
			return 0, nil
		case v == "END":
			rw.closeLambdas()
			g := rw.top()
			if g == nil || g.kind != gCase {
				return 0, rw.extraneous(t)
			}
			rw.groups = rw.groups[:len(rw.groups)-1]
			rw.emit("END", t.Off)
			rw.primary(g.start)
			return 0, nil
		case v == "AS":
			if g := rw.top(); g != nil && g.kind == gCast && !g.sawAs {
				return rw.castType(i)
			}
			if rw.ctx != ctxSelect || len(rw.groups) > 0 || !rw.operand {
				return 0, rw.extraneous(t)
			}
			if !isIdentTok(nx) || nx.Kind == tWord && reserved[nx.Val] {
				return 0, p.errAt(nx, "mismatched input %s expecting an identifier", nx.describe(p.src))
			}
			rw.emit("AS", t.Off)
			rw.emit(quoteName(nx.Val), nx.Off)
			rw.afterAlias = true
			return 1, nil
		case v == "DISTINCT":
			g := rw.top()
			if g == nil || g.kind != gCall || rw.out[len(rw.out)-1].text[len(rw.out[len(rw.out)-1].text)-1] != '(' {
				return 0, rw.extraneous(t)
			}
			rw.emit("`__DISTINCT`(),", t.Off)
			return 0, nil
		case v == "SELECT" || v == "EXISTS":
			return 0, p.errAt(t, "subqueries are not supported")
		case (v == "CAST" || v == "MAP" || v == "STRUCT") && nx.isOp("("), v == "ARRAY" && nx.isOp("["):
			if rw.operand {
				return 0, rw.extraneous(t)
			}
			kind := map[string]groupKind{"CAST": gCast, "MAP": gMap, "STRUCT": gStruct, "ARRAY": gArray}[v]
			rw.groups = append(rw.groups, group{kind: kind, start: start, open: nx})
			rw.emit("`__"+v+"`(", t.Off)
			rw.operand = false
			if kind == gStruct {
				return rw.structName(i+2, true)
			}
			return 1, nil
		case unitWords[v] && (nx.isOp(",") || nx.isOp(")")) && rw.top() != nil && rw.top().kind == gCall &&
			(p.toks[i-1].isOp("(") || p.toks[i-1].isOp(",")):
			rw.emit("`__UNIT`("+quoteStr(v)+")", t.Off)
			rw.primary(start)
			return 0, nil
		}
	}
	// An identifier: a function name, a lambda parameter, a column or an alias.
	name := t.Val
	switch {
	case nx.isOp("("):
		if rw.operand {
			return 0, rw.extraneous(t)
		}
		if strings.HasPrefix(name, "__") {
			return 0, p.errAt(t, "function names starting with '__' are reserved")
		}
		rw.groups = append(rw.groups, group{kind: gCall, start: start, open: nx})
		rw.emit(quoteName(strings.ToUpper(name))+"(", t.Off)
		rw.operand = false
		if p.toks[i+2].isOp("*") && p.toks[i+3].isOp(")") {
			rw.emit("`__STAR`()", p.toks[i+2].Off)
			rw.operand = true
			return 2, nil
		}
		return 1, nil
	case nx.isOp("=>"):
		if rw.operand || !rw.inCallArgs() {
			return 0, p.errAt(nx, "lambdas are only allowed as function arguments")
		}
		rw.groups = append(rw.groups, group{kind: gLambda, start: start, open: t})
		rw.emit("`__LAMBDA`("+quoteStr(name)+",", t.Off)
		rw.operand = false
		return 1, nil
	}
	if rw.operand {
		if rw.ctx == ctxSelect && len(rw.groups) == 0 && !(t.Kind == tWord && reserved[t.Val]) {
			rw.emit(quoteName(name), t.Off)
			rw.afterAlias = true
			return 0, nil
		}
		return 0, rw.extraneous(t)
	}
	if t.Kind == tWord && reserved[t.Val] {
		return 0, p.errAt(t, "mismatched input %s expecting an expression", t.describe(p.src))
	}
	rw.emit(quoteName(name), t.Off)
	n := 0
	if nx.isOp(".") {
		nn := p.toks[i+2]
		switch {
		case isIdentTok(nn) && !p.toks[i+3].isOp("(") && i+2 < to:
			rw.emit("."+quoteName(nn.Val), nx.Off)
			n = 2
		case nn.isOp("*") && rw.ctx == ctxSelect && len(rw.groups) == 0:
			rw.emit(".*", nx.Off)
			rw.primary(start)
			rw.afterAlias = true
			return 2, nil
		default:
			return 0, p.errAt(nn, "mismatched input %s expecting an identifier", nn.describe(p.src))
		}
	}
	rw.primary(start)
	return n, nil
}

// structName reads "name :=" at i inside STRUCT( and emits 'NAME',. first
// allows the empty STRUCT().
func (rw *rewriter) structName(i int, first bool) (int, error) {
	p := rw.p
	t := p.toks[i]
	if first && t.isOp(")") {
		return 1, nil
	}
	if !isIdentTok(t) {
		return 0, p.errAt(t, "mismatched input %s expecting an identifier", t.describe(p.src))
	}
	if !p.toks[i+1].isOp(":=") {
		return 0, p.mismatched(p.toks[i+1], ":=")
	}
	rw.emit(quoteStr(t.Val)+",", t.Off)
	if first {
		return 3, nil // '(' name ':='
	}
	return 2, nil
}

// castType parses the type after AS inside CAST( and emits ,n where n
// indexes the type table.
func (rw *rewriter) castType(i int) (int, error) {
	p := rw.p
	save := p.i
	p.i = i + 1
	typ, err := p.parseType()
	end := p.i
	p.i = save
	if err != nil {
		var te *typeError
		if errors.As(err, &te) {
			pos := p.posOf(te.tok.Off)
			return 0, ast.Errorf(ast.SyntaxError, pos, "Syntax error at or near %s at line %d:%d", te.tok.describe(p.src), pos.Line, pos.Col)
		}
		return 0, err
	}
	g := rw.top()
	g.sawAs = true
	rw.emit(fmt.Sprintf(",%d", len(rw.types)), p.toks[i].Off)
	rw.types = append(rw.types, typ)
	rw.operand = true
	if !p.toks[end].isOp(")") {
		return 0, p.errAt(p.toks[end], "missing ')' at %s", p.toks[end].describe(p.src))
	}
	return end - i - 1, nil
}

// op handles an operator token; it returns how many extra tokens it consumed.
func (rw *rewriter) op(i int, t, nx token, to int) (int, error) {
	p := rw.p
	switch t.Val {
	case "(":
		if rw.operand {
			return 0, rw.extraneous(t)
		}
		callArg := rw.inCallArgs()
		if n, ok := rw.lambdaParams(i); ok {
			if !callArg {
				return 0, p.errAt(t, "lambdas are only allowed as function arguments")
			}
			return n, nil
		}
		kind := gParen
		if len(rw.out) > 0 && rw.out[len(rw.out)-1].text == "IN" {
			kind = gInList
		}
		rw.groups = append(rw.groups, group{kind: kind, start: len(rw.out), open: t})
		rw.emit("(", t.Off)
		return 0, nil
	case ")", "]":
		rw.closeLambdas()
		g := rw.top()
		want := ")"
		if g != nil && (g.kind == gArray || g.kind == gSubscript) {
			want = "]"
		}
		if g == nil || g.kind == gCase || t.Val != want {
			return 0, rw.extraneous(t)
		}
		switch g.kind {
		case gCast:
			if !g.sawAs {
				return 0, p.errAt(t, "mismatched input ')' expecting 'AS'")
			}
		case gMap:
			if !g.sawAssign && !rw.out[len(rw.out)-1].isOpen() {
				return 0, p.mismatched(t, ":=")
			}
		}
		if !rw.operand && !rw.out[len(rw.out)-1].isOpen() {
			return 0, p.errAt(t, "mismatched input %s expecting an expression", t.describe(p.src))
		}
		rw.groups = rw.groups[:len(rw.groups)-1]
		rw.emit(")", t.Off)
		rw.primary(g.start)
		return 0, nil
	case "[":
		if !rw.operand {
			return 0, rw.extraneous(t)
		}
		rw.insert(rw.lastPrim, rwTok{"`__SUBSCRIPT`(", rw.out[rw.lastPrim].orig})
		rw.groups = append(rw.groups, group{kind: gSubscript, start: rw.lastPrim, open: t})
		rw.emit(",", t.Off)
		rw.operand = false
		return 0, nil
	case "->":
		if !rw.operand {
			return 0, rw.extraneous(t)
		}
		if nx.isOp("*") && rw.ctx == ctxSelect {
			// x->* (every field of a struct) is a select item of its own:
			// marked with the field name *, which no identifier can be.
			rw.insert(rw.lastPrim, rwTok{"`__DEREF`(", rw.out[rw.lastPrim].orig})
			rw.emit(",'*')", t.Off)
			return 1, nil
		}
		if !isIdentTok(nx) {
			return 0, p.errAt(nx, "mismatched input %s expecting an identifier", nx.describe(p.src))
		}
		rw.insert(rw.lastPrim, rwTok{"`__DEREF`(", rw.out[rw.lastPrim].orig})
		rw.emit(","+quoteStr(nx.Val)+")", t.Off)
		return 1, nil
	case ":=":
		g := rw.top()
		if g == nil || g.kind != gMap || g.sawAssign || !rw.operand {
			return 0, rw.extraneous(t)
		}
		g.sawAssign = true
		rw.emit(",", t.Off)
		rw.operand = false
		return 0, nil
	case ",":
		rw.closeLambdas()
		g := rw.top()
		if g == nil {
			if rw.ctx == ctxSingle {
				return 0, rw.extraneous(t)
			}
			rw.itemStarts = append(rw.itemStarts, i+1)
			rw.afterAlias = false
		}
		if !rw.operand {
			return 0, p.errAt(t, "mismatched input ',' expecting an expression")
		}
		rw.emit(",", t.Off)
		rw.operand = false
		if g != nil {
			switch g.kind {
			case gMap:
				if !g.sawAssign {
					return 0, p.mismatched(t, ":=")
				}
				g.sawAssign = false
			case gStruct:
				return rw.structName(i+1, false)
			case gCase, gSubscript, gCast:
				return 0, rw.extraneous(t)
			case gParen:
				// (a, b) is a row constructor in MySQL; ksqlDB has none.
				return 0, p.errAt(t, "missing ')' at ','")
			}
		}
		return 0, nil
	case "*":
		if !rw.operand && rw.ctx == ctxSelect && len(rw.groups) == 0 && rw.itemStarts[len(rw.itemStarts)-1] == i {
			rw.emit("*", t.Off)
			rw.primary(len(rw.out) - 1)
			rw.afterAlias = true // nothing but ',' may follow *
			return 0, nil
		}
		fallthrough
	case "+", "-", "/", "%", "=", "<>", "!=", "<", "<=", ">", ">=", "||":
		if !rw.operand && t.Val != "-" && t.Val != "+" {
			return 0, p.errAt(t, "mismatched input %s expecting an expression", t.describe(p.src))
		}
		rw.emit(t.Val, t.Off)
		rw.operand = false
		return 0, nil
	}
	return 0, rw.extraneous(t)
}

// inCallArgs reports whether the next token starts a function argument.
func (rw *rewriter) inCallArgs() bool {
	g := rw.top()
	if g == nil || g.kind != gCall || len(rw.out) == 0 {
		return false
	}
	last := rw.out[len(rw.out)-1].text
	return strings.HasSuffix(last, "(") || last == ","
}

func (r rwTok) isOpen() bool { return strings.HasSuffix(r.text, "(") }

func (rw *rewriter) insert(at int, tok rwTok) {
	rw.out = append(rw.out, rwTok{})
	copy(rw.out[at+1:], rw.out[at:])
	rw.out[at] = tok
}

// lambdaParams recognises "(x, y) =>" at i and emits __LAMBDA('X','Y',.
func (rw *rewriter) lambdaParams(i int) (int, bool) {
	p := rw.p
	var names []string
	j := i + 1
	for {
		if !isIdentTok(p.toks[j]) {
			return 0, false
		}
		names = append(names, p.toks[j].Val)
		j++
		if p.toks[j].isOp(",") {
			j++
			continue
		}
		if p.toks[j].isOp(")") && p.toks[j+1].isOp("=>") {
			break
		}
		return 0, false
	}
	start := len(rw.out)
	var b strings.Builder
	b.WriteString("`__LAMBDA`(")
	for _, n := range names {
		b.WriteString(quoteStr(n) + ",")
	}
	rw.groups = append(rw.groups, group{kind: gLambda, start: start, open: p.toks[i]})
	rw.emit(b.String(), p.toks[i].Off)
	return j + 1 - i, true
}

// tidbMode makes TiDB read "x" as an identifier, || as concatenation and
// backslashes literally, as ksqlDB does.
var tidbMode = func() mysql.SQLMode {
	m, err := mysql.GetSQLMode("ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,IGNORE_SPACE")
	if err != nil {
		panic(err) // a constant string: cannot fail at run time
	}
	return m
}()

// tidbParsers keeps idle TiDB parsers: New costs about 90µs, and a
// sync.Pool would lose them at every GC.
var tidbParsers = make(chan *tparser.Parser, 8)

func getTiDB() *tparser.Parser {
	select {
	case tp := <-tidbParsers:
		return tp
	default:
		tp := tparser.New()
		tp.SetSQLMode(tidbMode)
		return tp
	}
}

func putTiDB(tp *tparser.Parser) {
	select {
	case tidbParsers <- tp:
	default:
	}
}

// rewrittenPrefix is what the rewritten list is parsed inside.
const rewrittenPrefix = "SELECT "

var tidbNear = regexp.MustCompile(`line \d+ column (\d+) near "((?s).*)"`)

// parseTiDB hands the rewritten text to TiDB and returns the select fields.
func (rw *rewriter) parseTiDB(end token) ([]*tast.SelectField, error) {
	var b strings.Builder
	b.WriteString(rewrittenPrefix)
	offs := make([]int, len(rw.out))
	for i, t := range rw.out {
		if i > 0 {
			b.WriteByte(' ')
		}
		offs[i] = b.Len()
		b.WriteString(t.text)
	}
	text := b.String()
	rw.offs = offs
	tp := getTiDB()
	stmt, err := tp.ParseOneStmt(text, "", "")
	putTiDB(tp)
	if err != nil {
		return nil, rw.mapError(text, err, end)
	}
	sel, ok := stmt.(*tast.SelectStmt)
	if !ok || sel.Fields == nil || sel.From != nil || sel.Where != nil {
		return nil, rw.p.errAt(end, "unexpected expression syntax")
	}
	return sel.Fields.Fields, nil
}

// mapError turns a TiDB syntax error into one at the user's token.
func (rw *rewriter) mapError(text string, err error, end token) error {
	m := tidbNear.FindStringSubmatch(err.Error())
	if m == nil {
		return rw.p.errAt(end, "%v", err)
	}
	near := m[2]
	off := len(text) - len(near)
	if i := strings.LastIndex(near, `"(total length`); i >= 0 || len(near) > len(text) {
		col, _ := strconv.Atoi(m[1])
		off = col
	}
	if off >= len(text) {
		return rw.p.errAt(end, "mismatched input %s", end.describe(rw.p.src))
	}
	t := rw.p.tokenAt(rw.origOf(off))
	return rw.p.errAt(t, "syntax error at or near %s", t.describe(rw.p.src))
}

// origOf maps an offset in the rewritten text to a source offset.
func (rw *rewriter) origOf(off int) int {
	i := sort.Search(len(rw.offs), func(i int) bool { return rw.offs[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	if len(rw.out) == 0 {
		return 0
	}
	return rw.out[i].orig
}

// tokenAt returns the token starting at or containing source offset off.
func (p *parser) tokenAt(off int) token {
	i := sort.Search(len(p.toks), func(i int) bool { return p.toks[i].Off > off }) - 1
	if i < 0 {
		i = 0
	}
	return p.toks[i]
}

func (rw *rewriter) pos(n tast.Node) ast.Pos {
	return rw.p.posOf(rw.origOf(n.OriginTextPosition()))
}

func (rw *rewriter) errNode(n tast.Node, format string, args ...any) error {
	return syntaxErr(rw.pos(n), format, args...)
}

// convert turns a TiDB expression into ours.
func (rw *rewriter) convert(n tast.ExprNode) (ast.Expr, error) {
	base := ast.ExprBase{At: rw.pos(n)}
	switch n := n.(type) {
	case *tast.ParenthesesExpr:
		return rw.convert(n.Expr)
	case *tast.ColumnNameExpr:
		if n.Name.Schema.O != "" {
			return nil, rw.errNode(n, "extraneous input '.'")
		}
		return &ast.ColumnRef{ExprBase: base, Source: n.Name.Table.O, Name: n.Name.Name.O}, nil
	case *test_driver.ValueExpr:
		switch v := n.GetValue().(type) {
		case nil:
			return &ast.Literal{ExprBase: base}, nil
		case string:
			return &ast.Literal{ExprBase: base, Value: v}, nil
		}
		return nil, rw.errNode(n, "unexpected literal")
	case *tast.UnaryOperationExpr:
		if n.Op == opcode.Minus {
			if f, ok := n.V.(*tast.FuncCallExpr); ok && f.FnName.O == "__NUM" {
				return rw.number(f, true, base)
			}
		}
		x, err := rw.convert(n.V)
		if err != nil {
			return nil, err
		}
		switch n.Op {
		case opcode.Minus:
			return &ast.Unary{ExprBase: base, Op: ast.Neg, X: x}, nil
		case opcode.Plus:
			return &ast.Unary{ExprBase: base, Op: ast.Plus, X: x}, nil
		case opcode.Not, opcode.Not2:
			return &ast.Unary{ExprBase: base, Op: ast.Not, X: x}, nil
		}
		return nil, rw.errNode(n, "unsupported operator %s", n.Op)
	case *tast.BinaryOperationExpr:
		op, ok := binaryOps[n.Op]
		if !ok {
			return nil, rw.errNode(n, "unsupported operator %s", n.Op)
		}
		l, err := rw.convert(n.L)
		if err != nil {
			return nil, err
		}
		r, err := rw.convert(n.R)
		if err != nil {
			return nil, err
		}
		return &ast.Binary{ExprBase: base, Op: op, L: l, R: r}, nil
	case *tast.PatternRegexpExpr:
		l, err := rw.convert(n.Expr)
		if err != nil {
			return nil, err
		}
		r, err := rw.convert(n.Pattern)
		if err != nil {
			return nil, err
		}
		return &ast.Binary{ExprBase: base, Op: ast.IsDistinct, L: l, R: r}, nil
	case *tast.IsNullExpr:
		x, err := rw.convert(n.Expr)
		if err != nil {
			return nil, err
		}
		return &ast.IsNull{ExprBase: base, X: x, Not: n.Not}, nil
	case *tast.PatternLikeOrIlikeExpr:
		if !n.IsLike {
			return nil, rw.errNode(n, "ILIKE is not supported")
		}
		x, err := rw.convert(n.Expr)
		if err != nil {
			return nil, err
		}
		pat, err := rw.convert(n.Pattern)
		if err != nil {
			return nil, err
		}
		l := &ast.Like{ExprBase: base, X: x, Pattern: pat, Not: n.Not}
		if n.EscapeExplicit {
			if n.Escape >= 0x80 {
				// The expression parser keeps one byte: a character beyond
				// ASCII would come back as another one.
				return nil, rw.errNode(n, "the ESCAPE character must be a single ASCII character")
			}
			l.Escape = &ast.Literal{ExprBase: base, Value: string(rune(n.Escape))}
		}
		return l, nil
	case *tast.BetweenExpr:
		x, err := rw.convert(n.Expr)
		if err != nil {
			return nil, err
		}
		lo, err := rw.convert(n.Left)
		if err != nil {
			return nil, err
		}
		hi, err := rw.convert(n.Right)
		if err != nil {
			return nil, err
		}
		return &ast.Between{ExprBase: base, X: x, Lo: lo, Hi: hi, Not: n.Not}, nil
	case *tast.PatternInExpr:
		if n.Sel != nil {
			return nil, rw.errNode(n, "subqueries are not supported")
		}
		x, err := rw.convert(n.Expr)
		if err != nil {
			return nil, err
		}
		list, err := rw.convertList(n.List)
		if err != nil {
			return nil, err
		}
		return &ast.In{ExprBase: base, X: x, List: list, Not: n.Not}, nil
	case *tast.CaseExpr:
		c := &ast.Case{ExprBase: base}
		var err error
		if n.Value != nil {
			if c.Operand, err = rw.convert(n.Value); err != nil {
				return nil, err
			}
		}
		for _, w := range n.WhenClauses {
			cond, err := rw.convert(w.Expr)
			if err != nil {
				return nil, err
			}
			res, err := rw.convert(w.Result)
			if err != nil {
				return nil, err
			}
			c.Whens = append(c.Whens, ast.When{Cond: cond, Result: res})
		}
		if n.ElseClause != nil {
			if c.Else, err = rw.convert(n.ElseClause); err != nil {
				return nil, err
			}
		}
		return c, nil
	case *tast.FuncCallExpr:
		return rw.call(n, base)
	case *tast.RowExpr:
		return nil, rw.errNode(n, "missing ')' at ','")
	}
	return nil, rw.errNode(n, "unsupported expression")
}

var binaryOps = map[opcode.Op]ast.BinaryOp{
	opcode.Plus: ast.Add, opcode.Minus: ast.Sub, opcode.Mul: ast.Mul, opcode.Div: ast.Div, opcode.Mod: ast.Mod,
	opcode.EQ: ast.Eq, opcode.NE: ast.Ne, opcode.LT: ast.Lt, opcode.LE: ast.Le, opcode.GT: ast.Gt, opcode.GE: ast.Ge,
	opcode.LogicAnd: ast.And, opcode.LogicOr: ast.Or, opcode.NullEQ: ast.IsNotDistinct,
}

func (rw *rewriter) convertList(ns []tast.ExprNode) ([]ast.Expr, error) {
	out := make([]ast.Expr, 0, len(ns))
	for _, n := range ns {
		e, err := rw.convert(n)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// markerIndex reads the integer argument of __NUM(n) and __CAST(x, n).
func markerIndex(n tast.ExprNode, limit int) (int, bool) {
	v, ok := n.(*test_driver.ValueExpr)
	if !ok {
		return 0, false
	}
	i, ok := v.GetValue().(int64)
	if !ok || i < 0 || int(i) >= limit {
		return 0, false
	}
	return int(i), true
}

func (rw *rewriter) number(f *tast.FuncCallExpr, neg bool, base ast.ExprBase) (ast.Expr, error) {
	if len(f.Args) != 1 {
		return nil, rw.errNode(f, "unexpected literal")
	}
	i, ok := markerIndex(f.Args[0], len(rw.nums))
	if !ok {
		return nil, rw.errNode(f, "unexpected literal")
	}
	t := rw.nums[i]
	text := t.Val
	if neg {
		text = "-" + text
	}
	v, err := numberValue(t.Kind, text)
	if err != nil {
		return nil, ast.Errorf(ast.SyntaxError, base.At, "%s", err.Error())
	}
	return &ast.Literal{ExprBase: base, Value: v}, nil
}

// numberValue types a numeric literal as ksqlDB does: INT when it fits,
// else BIGINT; DECIMAL (scale kept) with a point; DOUBLE with an exponent.
func numberValue(kind tokKind, text string) (any, error) {
	switch kind {
	case tInt:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Invalid numeric literal: %s", text)
		}
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int32(n), nil
		}
		return n, nil
	case tDecimal:
		d, err := types.ParseDecimal(text)
		if err != nil {
			return nil, fmt.Errorf("Invalid numeric literal: %s", text)
		}
		return d, nil
	default:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("Number overflows DOUBLE: %s", text)
		}
		return f, nil
	}
}

// call converts a function call, including the marker functions.
func (rw *rewriter) call(n *tast.FuncCallExpr, base ast.ExprBase) (ast.Expr, error) {
	name := n.FnName.O
	if n.Schema.O != "" {
		return nil, rw.errNode(n, "extraneous input '.'")
	}
	switch name {
	case "__NUM":
		return rw.number(n, false, base)
	case "__TRUE", "__FALSE":
		return &ast.Literal{ExprBase: base, Value: name == "__TRUE"}, nil
	case "__UNIT":
		if len(n.Args) == 1 {
			if v, ok := n.Args[0].(*test_driver.ValueExpr); ok {
				if s, ok := v.GetValue().(string); ok {
					return &ast.IntervalUnit{ExprBase: base, Unit: s}, nil
				}
			}
		}
	case "__CAST":
		if len(n.Args) == 2 {
			if i, ok := markerIndex(n.Args[1], len(rw.types)); ok {
				x, err := rw.convert(n.Args[0])
				if err != nil {
					return nil, err
				}
				return &ast.Cast{ExprBase: base, X: x, Type: rw.types[i]}, nil
			}
		}
	case "__DEREF":
		if len(n.Args) == 2 {
			if v, ok := n.Args[1].(*test_driver.ValueExpr); ok {
				if s, ok := v.GetValue().(string); ok {
					x, err := rw.convert(n.Args[0])
					if err != nil {
						return nil, err
					}
					return &ast.Deref{ExprBase: base, X: x, Field: s}, nil
				}
			}
		}
	case "__SUBSCRIPT":
		if len(n.Args) == 2 {
			x, err := rw.convert(n.Args[0])
			if err != nil {
				return nil, err
			}
			idx, err := rw.convert(n.Args[1])
			if err != nil {
				return nil, err
			}
			return &ast.Subscript{ExprBase: base, X: x, Index: idx}, nil
		}
	case "__ARRAY":
		elems, err := rw.convertList(n.Args)
		if err != nil {
			return nil, err
		}
		return &ast.ArrayCtor{ExprBase: base, Elems: elems}, nil
	case "__MAP":
		args, err := rw.convertList(n.Args)
		if err != nil {
			return nil, err
		}
		if len(args)%2 == 0 {
			m := &ast.MapCtor{ExprBase: base, Keys: []ast.Expr{}, Values: []ast.Expr{}}
			for i := 0; i < len(args); i += 2 {
				m.Keys = append(m.Keys, args[i])
				m.Values = append(m.Values, args[i+1])
			}
			return m, nil
		}
	case "__STRUCT":
		if len(n.Args)%2 == 0 {
			s := &ast.StructCtor{ExprBase: base, Names: []string{}, Values: []ast.Expr{}}
			for i := 0; i < len(n.Args); i += 2 {
				v, ok := n.Args[i].(*test_driver.ValueExpr)
				name, ok2 := "", false
				if ok {
					name, ok2 = v.GetValue().(string)
				}
				if !ok2 {
					return nil, rw.errNode(n, "unexpected STRUCT syntax")
				}
				val, err := rw.convert(n.Args[i+1])
				if err != nil {
					return nil, err
				}
				s.Names = append(s.Names, name)
				s.Values = append(s.Values, val)
			}
			return s, nil
		}
	case "__LAMBDA":
		if len(n.Args) >= 2 {
			l := &ast.Lambda{ExprBase: base}
			for _, a := range n.Args[:len(n.Args)-1] {
				v, ok := a.(*test_driver.ValueExpr)
				if !ok {
					return nil, rw.errNode(n, "unexpected lambda syntax")
				}
				s, ok := v.GetValue().(string)
				if !ok {
					return nil, rw.errNode(n, "unexpected lambda syntax")
				}
				l.Params = append(l.Params, s)
			}
			body, err := rw.convert(n.Args[len(n.Args)-1])
			if err != nil {
				return nil, err
			}
			l.Body = body
			return l, nil
		}
	case "concat":
		// PIPES_AS_CONCAT: our own calls are always upper-case.
		if len(n.Args) == 2 {
			l, err := rw.convert(n.Args[0])
			if err != nil {
				return nil, err
			}
			r, err := rw.convert(n.Args[1])
			if err != nil {
				return nil, err
			}
			return &ast.Binary{ExprBase: base, Op: ast.Concat, L: l, R: r}, nil
		}
	case "__STAR", "__DISTINCT":
	default:
		if strings.HasPrefix(name, "__") {
			break
		}
		c := &ast.Call{ExprBase: base, Name: name}
		args := n.Args
		if len(args) > 0 {
			if f, ok := args[0].(*tast.FuncCallExpr); ok {
				switch f.FnName.O {
				case "__STAR":
					c.Star = true
					args = args[1:]
				case "__DISTINCT":
					c.Distinct = true
					args = args[1:]
				}
			}
		}
		var err error
		if c.Args, err = rw.convertList(args); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, rw.errNode(n, "unexpected use of %s", strings.TrimPrefix(name, "__"))
}
