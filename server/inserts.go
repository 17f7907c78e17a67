package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// handleInsertsStream reads {"target": NAME} and then one JSON object per
// line, inserts each as a row of NAME, and acks each row on its own line as
// it goes. Each row is an INSERT INTO ... VALUES through the engine, so it
// gets the same coercions and errors as the SQL statement.
func (s *Server) handleInsertsStream(w http.ResponseWriter, r *http.Request) {
	sc := bufio.NewScanner(r.Body)
	// A scanner's limit is the larger of its buffer and max: the buffer
	// must not exceed the limit.
	sc.Buffer(make([]byte, 0, min(64<<10, s.cfg.MaxBodyBytes)), int(s.cfg.MaxBodyBytes))
	line, err := nextLine(sc)
	if errors.Is(err, errEndOfStream) {
		err = errors.New(`expected {"target": "<stream>"} on the first line`)
	}
	if errors.Is(err, errLineTooLong) {
		writeJSON(w, r, http.StatusRequestEntityTooLarge, tooLarge(s.cfg.MaxBodyBytes))
		return
	}
	if err != nil {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "Missing inserts stream arguments: "+err.Error()))
		return
	}
	var args struct {
		Target string `json:"target"`
	}
	if err := json.Unmarshal(line, &args); err != nil || args.Target == "" {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, `Invalid inserts stream arguments: expected {"target": "<stream>"}`))
		return
	}
	src := s.eng.Catalog().Source(args.Target)
	if src == nil {
		src = s.eng.Catalog().Source(strings.ToUpper(args.Target))
	}
	if src == nil {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadStatement,
			"Cannot insert values into an unknown stream/table: "+types.QuoteIdent(args.Target)))
		return
	}
	// HTTP/1.1 needs full duplex to keep reading rows after the first ack;
	// HTTP/2 always has it (and returns an error we can ignore).
	rc := http.NewResponseController(w)
	_ = rc.EnableFullDuplex()
	w.Header().Set("Content-Type", ctDelimited)
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()

	sess := exec.NewSession()
	defer sess.Close()
	ack := func(v any) bool {
		b, err := marshal(v)
		if err != nil {
			return false
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	for seq := int64(0); ; seq++ {
		line, err := nextLine(sc)
		if err != nil {
			if !errors.Is(err, errEndOfStream) {
				ack(insertError(seq, codeBadRequest, "Reading the inserts stream: "+err.Error()))
			}
			return
		}
		row, err := decodeRow(line)
		if err != nil {
			if !ack(insertError(seq, codeBadRequest, err.Error())) {
				return
			}
			continue
		}
		st := insertStatement(src.Name, src.Schema, row)
		if _, err := s.eng.ExecuteStatement(r.Context(), sess, st); err != nil {
			if !ack(insertError(seq, codeBadStatement, errorMessage(err))) {
				return
			}
			continue
		}
		if !ack(insertAck{Status: "ok", Seq: seq}) {
			return
		}
	}
}

var (
	errEndOfStream = errors.New("end of stream")
	// errLineTooLong is a line of the inserts stream over the body limit.
	errLineTooLong = errors.New("line longer than the request limit")
)

// nextLine returns the next non-blank line.
func nextLine(sc *bufio.Scanner) ([]byte, error) {
	for sc.Scan() {
		if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
			return b, nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errLineTooLong
		}
		return nil, err
	}
	return nil, errEndOfStream
}

// insertAck is one acknowledgement, fields in ksqlDB's order.
type insertAck struct {
	Status    string `json:"status"`
	Seq       int64  `json:"seq"`
	ErrorCode int    `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

func insertError(seq int64, code int, msg string) insertAck {
	return insertAck{Status: "error", Seq: seq, ErrorCode: code, Message: msg}
}

func decodeRow(line []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var row map[string]any
	if err := dec.Decode(&row); err != nil || row == nil {
		return nil, fmt.Errorf("Invalid JSON in inserts stream: expected an object of column names to values")
	}
	if dec.More() {
		return nil, fmt.Errorf("Invalid JSON in inserts stream: one object per line")
	}
	return row, nil
}

// insertStatement builds INSERT INTO target (cols) VALUES (...) from a JSON
// row. Names match columns exactly, else upper-cased as unquoted SQL names
// are; unknown names are passed on for the engine to reject.
func insertStatement(target string, schema types.Schema, row map[string]any) *ast.InsertValues {
	names := make([]string, 0, len(row))
	for k := range row {
		names = append(names, k)
	}
	sort.Strings(names)
	st := &ast.InsertValues{Target: target}
	var text strings.Builder
	for _, k := range names {
		col := k
		var t *types.Type
		if i := schema.Find(k); i >= 0 {
			t = schema.Columns[i].Type
		} else if i := schema.Find(strings.ToUpper(k)); i >= 0 {
			col, t = schema.Columns[i].Name, schema.Columns[i].Type
		} else if strings.EqualFold(k, types.RowTime) {
			col = types.RowTime
		}
		st.Columns = append(st.Columns, col)
		st.Values = append(st.Values, valueExpr(row[k], t))
	}
	text.WriteString("INSERT INTO " + types.QuoteIdent(target) + " (")
	for i, c := range st.Columns {
		if i > 0 {
			text.WriteString(", ")
		}
		text.WriteString(types.QuoteIdent(c))
	}
	text.WriteString(") VALUES (")
	for i, v := range st.Values {
		if i > 0 {
			text.WriteString(", ")
		}
		text.WriteString(ast.FormatExpr(v))
	}
	text.WriteString(")")
	st.Text = text.String()
	return st
}

// valueExpr turns a JSON value into a constant expression; t (the target
// type, nil if unknown) only decides whether an object is a STRUCT or a MAP.
func valueExpr(v any, t *types.Type) ast.Expr {
	switch x := v.(type) {
	case json.Number:
		return &ast.Literal{Value: numberValue(string(x))}
	case []any:
		var et *types.Type
		if t != nil && t.Kind == types.Array {
			et = t.Elem
		}
		arr := &ast.ArrayCtor{Elems: make([]ast.Expr, len(x))}
		for i, e := range x {
			arr.Elems[i] = valueExpr(e, et)
		}
		return arr
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if t != nil && t.Kind == types.StructKind {
			sc := &ast.StructCtor{}
			for _, k := range keys {
				name, ft := k, (*types.Type)(nil)
				for _, f := range t.Fields {
					if f.Name == k || f.Name == strings.ToUpper(k) {
						name, ft = f.Name, f.Type
						break
					}
				}
				sc.Names = append(sc.Names, name)
				sc.Values = append(sc.Values, valueExpr(x[k], ft))
			}
			return sc
		}
		var et *types.Type
		if t != nil && t.Kind == types.MapKind {
			et = t.Elem
		}
		m := &ast.MapCtor{}
		for _, k := range keys {
			m.Keys = append(m.Keys, &ast.Literal{Value: k})
			m.Values = append(m.Values, valueExpr(x[k], et))
		}
		return m
	}
	// nil, bool, string
	return &ast.Literal{Value: v}
}

// numberValue types a JSON number as the parser types a SQL literal:
// INTEGER if it fits, else BIGINT; DECIMAL with a point; DOUBLE with an
// exponent. The engine casts it to the column's type.
func numberValue(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 32); err == nil {
			return int32(n)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	if !strings.ContainsAny(s, "eE") {
		if d, err := types.ParseDecimal(s); err == nil {
			return d
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
