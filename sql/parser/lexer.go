// Package parser is Sluice's front-end for ksqlDB's SQL dialect. Its own
// tokenizer and recursive-descent parser read the statement grammar; the TiDB
// parser reads expression lists after a token-level rewrite (see expr.go).
// Everything it returns is sql/ast: no TiDB type leaves this package.
package parser

import (
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/ast"
)

// tokKind classifies tokens.
type tokKind int

const (
	tEOF     tokKind = iota
	tWord            // unquoted identifier or keyword; Val is upper-cased
	tQIdent          // `quoted` or "quoted" identifier; Val keeps its case
	tString          // 'string'; Val has '' unescaped
	tInt             // 123
	tDecimal         // 1.5
	tFloat           // 1.5e3
	tOp              // punctuation and operators; Val is the operator text
)

// token is one lexeme. Off and End are byte offsets into the whole input.
type token struct {
	Kind tokKind
	Val  string
	Off  int
	End  int
	Line int
	Col  int
}

func (t token) pos() ast.Pos { return ast.Pos{Offset: t.Off, Line: t.Line, Col: t.Col} }

// is reports whether t is the unquoted keyword kw (given upper-case).
func (t token) is(kw string) bool { return t.Kind == tWord && t.Val == kw }

// isOp reports whether t is the operator op.
func (t token) isOp(op string) bool { return t.Kind == tOp && t.Val == op }

// opens and closes tell whether t starts or ends a nested part of an
// expression: parentheses, brackets, CASE ... END.
func (t token) opens() bool  { return t.isOp("(") || t.isOp("[") || t.is("CASE") }
func (t token) closes() bool { return t.isOp(")") || t.isOp("]") || t.is("END") }

// describe renders a token the way ANTLR does in messages: its source text
// in quotes, or <EOF>.
func (t token) describe(src string) string {
	if t.Kind == tEOF {
		return "'<EOF>'"
	}
	return "'" + src[t.Off:t.End] + "'"
}

// lexer turns SQL text into tokens, dropping whitespace and comments.
type lexer struct {
	src  string
	off  int
	line int
	col  int // 1-based column of src[off]
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

// lineCol returns the 1-based line and column of a byte offset. Columns count
// characters, not bytes, so multi-byte text before an error does not shift it.
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCountInString(src[start:off]) + 1
}

func posAt(src string, off int) ast.Pos {
	l, c := lineCol(src, off)
	return ast.Pos{Offset: off, Line: l, Col: c}
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.off < len(lx.src); i++ {
		c := lx.src[lx.off]
		lx.off++
		if c == '\n' {
			lx.line++
			lx.col = 1
		} else if c < 0x80 || c >= 0xC0 {
			// Continuation bytes of a UTF-8 sequence do not start a column.
			lx.col++
		}
	}
}

func (lx *lexer) peekByte(i int) byte {
	if lx.off+i < len(lx.src) {
		return lx.src[lx.off+i]
	}
	return 0
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '@' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipSpace skips whitespace and comments. An unterminated block comment is
// an error.
func (lx *lexer) skipSpace() error {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			lx.advance(1)
		case c == '-' && lx.peekByte(1) == '-':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.peekByte(1) == '*':
			start := posAt(lx.src, lx.off)
			end := strings.Index(lx.src[lx.off+2:], "*/")
			if end < 0 {
				return syntaxErr(start, "unterminated comment")
			}
			lx.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (lx *lexer) next() (token, error) {
	if err := lx.skipSpace(); err != nil {
		return token{}, err
	}
	t := token{Off: lx.off, Line: lx.line, Col: lx.col}
	if lx.off >= len(lx.src) {
		t.Kind, t.End = tEOF, lx.off
		return t, nil
	}
	c := lx.src[lx.off]
	switch {
	case isIdentStart(c):
		i := lx.off
		for i < len(lx.src) && isIdentPart(lx.src[i]) {
			i++
		}
		t.Kind, t.Val = tWord, strings.ToUpper(lx.src[lx.off:i])
		lx.advance(i - lx.off)
	case c == '`' || c == '"':
		val, n, ok := scanQuoted(lx.src[lx.off:], c)
		if !ok {
			return t, syntaxErr(t.pos(), "unterminated quoted identifier")
		}
		if val == "" {
			return t, syntaxErr(t.pos(), "empty quoted identifier")
		}
		t.Kind, t.Val = tQIdent, val
		lx.advance(n)
	case c == '\'':
		val, n, ok := scanQuoted(lx.src[lx.off:], '\'')
		if !ok {
			return t, syntaxErr(t.pos(), "unterminated string literal")
		}
		t.Kind, t.Val = tString, val
		lx.advance(n)
	case isDigit(c) || c == '.' && isDigit(lx.peekByte(1)):
		t.Kind = lx.scanNumber()
		t.Val = lx.src[t.Off:lx.off]
		if lx.off < len(lx.src) && isIdentStart(lx.src[lx.off]) {
			// "12abc" is neither a number nor an identifier in ksqlDB.
			return t, syntaxErr(posAt(lx.src, lx.off), "extraneous input '%s'", lx.src[t.Off:lx.off+1])
		}
	default:
		op := ""
		for _, cand := range multiOps {
			if strings.HasPrefix(lx.src[lx.off:], cand) {
				op = cand
				break
			}
		}
		if op == "" {
			if strings.IndexByte(singleOps, c) < 0 {
				r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
				return t, syntaxErr(t.pos(), "token recognition error at: '%c'", r)
			}
			op = string(c)
		}
		t.Kind, t.Val = tOp, op
		lx.advance(len(op))
	}
	t.End = lx.off
	return t, nil
}

// multiOps are tried in order, longest first. ">>" is deliberately absent so
// that ARRAY<MAP<STRING, INT>> closes two types.
var multiOps = []string{"->", "=>", ":=", "<=", ">=", "<>", "!=", "||"}

const singleOps = "+-*/%=<>(),.;[]:"

// scanNumber consumes an integer, decimal or float literal and returns its kind.
func (lx *lexer) scanNumber() tokKind {
	kind := tInt
	i := lx.off
	for i < len(lx.src) && isDigit(lx.src[i]) {
		i++
	}
	if i < len(lx.src) && lx.src[i] == '.' && (i+1 >= len(lx.src) || lx.src[i+1] != '.') {
		kind = tDecimal
		i++
		for i < len(lx.src) && isDigit(lx.src[i]) {
			i++
		}
	}
	if i < len(lx.src) && (lx.src[i] == 'e' || lx.src[i] == 'E') {
		j := i + 1
		if j < len(lx.src) && (lx.src[j] == '+' || lx.src[j] == '-') {
			j++
		}
		if j < len(lx.src) && isDigit(lx.src[j]) {
			for j < len(lx.src) && isDigit(lx.src[j]) {
				j++
			}
			kind, i = tFloat, j
		}
	}
	lx.advance(i - lx.off)
	return kind
}

// scanQuoted reads a quoted run starting at s[0] == q, where a doubled quote
// stands for one. It returns the unescaped value and the bytes consumed.
func scanQuoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1, true
		}
		b.WriteByte(s[i])
	}
	return "", len(s), false
}

// tokenize lexes the whole input, ending with a tEOF token.
func tokenize(src string) ([]token, error) {
	lx := newLexer(src)
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Kind == tEOF {
			return toks, nil
		}
	}
}

// syntaxErr builds a ksqlDB-style parse error: "Syntax Error" then the detail.
func syntaxErr(at ast.Pos, format string, args ...any) *ast.Error {
	return ast.Errorf(ast.SyntaxError, at, "Syntax Error\n"+format, args...)
}
