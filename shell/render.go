package shell

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/types"
)

// FormatValue renders one SQL value as the ksqlDB CLI shows it in a table
// cell: NULL as "null", strings bare, BYTES as base64, temporal values in ISO
// form, and nested values as JSON-like text with quoted strings.
func FormatValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	writeValue(&b, v, false)
	return b.String()
}

// writeValue appends v; nested says whether v sits inside a container, where
// strings are quoted so that ["a, b"] and ["a", "b"] stay distinguishable.
func writeValue(b *strings.Builder, v any, nested bool) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		if nested {
			b.WriteString(strconv.Quote(x))
		} else {
			b.WriteString(x)
		}
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(formatDouble(x))
	case float32:
		b.WriteString(formatDouble(float64(x)))
	case types.Decimal:
		b.WriteString(x.String())
	case *types.Decimal:
		if x == nil {
			b.WriteString("null")
		} else {
			b.WriteString(x.String())
		}
	case []byte:
		s := base64.StdEncoding.EncodeToString(x)
		if nested {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
	case types.Timestamp:
		writeMaybeQuoted(b, time.UnixMilli(int64(x)).UTC().Format("2006-01-02T15:04:05.000"), nested)
	case types.Date:
		writeMaybeQuoted(b, time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02"), nested)
	case types.Time:
		writeMaybeQuoted(b, formatTime(int64(x)), nested)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e, true)
		}
		b.WriteByte(']')
	case *types.Map:
		if x == nil {
			b.WriteString("null")
			return
		}
		b.WriteByte('{')
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			// JSON object keys are strings whatever the SQL key type.
			b.WriteString(strconv.Quote(FormatValue(k)))
			b.WriteByte(':')
			if i < len(x.Values) {
				writeValue(b, x.Values[i], true)
			}
		}
		b.WriteByte('}')
	case *types.Struct:
		// Without the type the field names are unknown; renderers that have
		// the type use writeTyped instead.
		if x == nil {
			b.WriteString("null")
			return
		}
		writeValue(b, x.Values, nested)
	case fmt.Stringer:
		writeMaybeQuoted(b, x.String(), nested)
	default:
		writeMaybeQuoted(b, fmt.Sprint(x), nested)
	}
}

func writeMaybeQuoted(b *strings.Builder, s string, quoted bool) {
	if quoted {
		b.WriteString(strconv.Quote(s))
	} else {
		b.WriteString(s)
	}
}

// FormatTyped is FormatValue with the value's SQL type, which names the
// fields of STRUCT values ({"A":1, "B":"x"}). A nil type falls back to
// FormatValue.
func FormatTyped(v any, t *types.Type) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	writeTyped(&b, v, t, false)
	return b.String()
}

func writeTyped(b *strings.Builder, v any, t *types.Type, nested bool) {
	if t == nil || v == nil {
		writeValue(b, v, nested)
		return
	}
	switch t.Kind {
	case types.StructKind:
		s, ok := v.(*types.Struct)
		if !ok || s == nil {
			writeValue(b, v, nested)
			return
		}
		b.WriteByte('{')
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(f.Name))
			b.WriteByte(':')
			var fv any
			if i < len(s.Values) {
				fv = s.Values[i]
			}
			writeTyped(b, fv, f.Type, true)
		}
		b.WriteByte('}')
	case types.Array:
		a, ok := v.([]any)
		if !ok {
			writeValue(b, v, nested)
			return
		}
		b.WriteByte('[')
		for i, e := range a {
			if i > 0 {
				b.WriteString(", ")
			}
			writeTyped(b, e, t.Elem, true)
		}
		b.WriteByte(']')
	case types.MapKind:
		m, ok := v.(*types.Map)
		if !ok || m == nil {
			writeValue(b, v, nested)
			return
		}
		b.WriteByte('{')
		for i, k := range m.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(FormatTyped(k, t.Key)))
			b.WriteByte(':')
			if i < len(m.Values) {
				writeTyped(b, m.Values[i], t.Elem, true)
			}
		}
		b.WriteByte('}')
	default:
		writeValue(b, v, nested)
	}
}

// formatDouble prints a DOUBLE the way Java's Double.toString does, which is
// what ksqlDB users see: 1.0, 0.25, 1.0E10, NaN, Infinity.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1E+10, 1.5E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.ContainsRune(mant, '.') {
		mant += ".0"
	}
	n, err := strconv.Atoi(exp)
	if err != nil {
		return s
	}
	return mant + "E" + strconv.Itoa(n)
}

func formatTime(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if ms%1000 != 0 {
		return t.Format("15:04:05.000")
	}
	return t.Format("15:04:05")
}

// RenderTable writes a finished result as an aligned table:
//
//	+----+-----+
//	|ID  |NAME |
//	+----+-----+
//	|1   |a    |
//	+----+-----+
//
// Cells wider than a line are not wrapped: a finished table is sized to fit
// its widest cell. Multi-line cell text is flattened to one line.
func RenderTable(w io.Writer, cols []string, typs []*types.Type, rows [][]any) error {
	cells := make([][]string, len(rows))
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = width(c)
	}
	for r, row := range rows {
		cells[r] = make([]string, len(cols))
		for i := range cols {
			var v any
			if i < len(row) {
				v = row[i]
			}
			s := flatten(FormatTyped(v, typeAt(typs, i)))
			cells[r][i] = s
			widths[i] = max(widths[i], width(s))
		}
	}
	var b strings.Builder
	border := borderLine(widths)
	b.WriteString(border)
	writeCells(&b, cols, widths)
	b.WriteString(border)
	for _, row := range cells {
		writeCells(&b, row, widths)
	}
	b.WriteString(border)
	_, err := io.WriteString(w, b.String())
	return err
}

func typeAt(typs []*types.Type, i int) *types.Type {
	if i < len(typs) {
		return typs[i]
	}
	return nil
}

func borderLine(widths []int) string {
	var b strings.Builder
	b.WriteByte('+')
	for _, w := range widths {
		b.WriteString(strings.Repeat("-", w))
		b.WriteByte('+')
	}
	b.WriteByte('\n')
	return b.String()
}

func writeCells(b *strings.Builder, cells []string, widths []int) {
	b.WriteByte('|')
	for i, w := range widths {
		var s string
		if i < len(cells) {
			s = cells[i]
		}
		b.WriteString(s)
		b.WriteString(strings.Repeat(" ", max(0, w-width(s))))
		b.WriteByte('|')
	}
	b.WriteByte('\n')
}

// width counts runes: close enough to display columns for the text Sluice
// prints, and never splits a multi-byte character.
func width(s string) int { return utf8.RuneCountInString(s) }

func flatten(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// StreamPrinter renders the rows of a push query or PRINT as they arrive.
// Column widths must be chosen before the first row is known, so each column
// gets a width from its name and type, and longer values wrap onto extra
// lines inside their cell (as ksqlDB's CLI does with WRAP ON).
type StreamPrinter struct {
	w      io.Writer
	widths []int
	typs   []*types.Type
	rows   int
}

// NewStreamPrinter prepares a printer for the given columns; typs may be nil.
func NewStreamPrinter(w io.Writer, cols []string, typs []*types.Type) *StreamPrinter {
	p := &StreamPrinter{w: w, typs: typs, widths: make([]int, len(cols))}
	for i, c := range cols {
		p.widths[i] = max(width(c), typeWidth(typeAt(typs, i), len(cols)))
	}
	return p
}

// typeWidth is the starting width of a column of type t, sized for typical
// values so that most rows fit on one line. Single-column output (PRINT)
// gets a wide column.
func typeWidth(t *types.Type, ncols int) int {
	if t == nil {
		if ncols == 1 {
			return 78
		}
		return 20
	}
	switch t.Kind {
	case types.Boolean:
		return 5
	case types.Int:
		return 11
	case types.Bigint:
		return 20
	case types.Double, types.DecimalKind:
		return 16
	case types.TimestampKind:
		return 23
	case types.DateKind:
		return 10
	case types.TimeKind:
		return 12
	}
	return 20
}

// Header writes the column names between borders.
func (p *StreamPrinter) Header(cols []string) error {
	var b strings.Builder
	border := borderLine(p.widths)
	b.WriteString(border)
	writeCells(&b, cols, p.widths)
	b.WriteString(border)
	_, err := io.WriteString(p.w, b.String())
	return err
}

// Row writes one row, wrapping cells that are wider than their column.
func (p *StreamPrinter) Row(row []any) error {
	p.rows++
	parts := make([][]string, len(p.widths))
	lines := 1
	for i, w := range p.widths {
		var v any
		if i < len(row) {
			v = row[i]
		}
		parts[i] = wrap(flatten(FormatTyped(v, typeAt(p.typs, i))), w)
		lines = max(lines, len(parts[i]))
	}
	var b strings.Builder
	for l := 0; l < lines; l++ {
		cells := make([]string, len(parts))
		for i := range parts {
			if l < len(parts[i]) {
				cells[i] = parts[i][l]
			}
		}
		writeCells(&b, cells, p.widths)
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

// Footer closes the table with a border when any row was printed.
func (p *StreamPrinter) Footer() error {
	_, err := io.WriteString(p.w, borderLine(p.widths))
	return err
}

// Rows is the number of rows printed so far.
func (p *StreamPrinter) Rows() int { return p.rows }

// wrap cuts s into pieces of at most w runes.
func wrap(s string, w int) []string {
	if w <= 0 || width(s) <= w {
		return []string{s}
	}
	var out []string
	r := []rune(s)
	for len(r) > w {
		out = append(out, string(r[:w]))
		r = r[w:]
	}
	return append(out, string(r))
}
