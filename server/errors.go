package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// Content types ksqlDB speaks.
const (
	ctKsqlV1    = "application/vnd.ksql.v1+json"
	ctJSON      = "application/json"
	ctDelimited = "application/vnd.ksqlapi.delimited.v1"
)

// ksqlDB's error codes (io.confluent.ksql.rest.Errors and the /query-stream
// server's ErrorCodes).
const (
	codeBadRequest       = 40000
	codeBadStatement     = 40001
	codeQueryEndpoint    = 40002
	codeUnknownQueryID   = 40003
	codeUnauthorized     = 40100
	codeNotFound         = 40400
	codeMethodNotAllowed = 40500
	codeTooLarge         = 41300
	codeUnsupportedType  = 41500
	codeServerError      = 50000
)

// errorEntity is ksqlDB's KsqlErrorMessage / KsqlStatementErrorMessage.
type errorEntity struct {
	Type          string `json:"@type"`
	ErrorCode     int    `json:"error_code"`
	Message       string `json:"message"`
	StatementText string `json:"statementText,omitempty"`
	Entities      []any  `json:"entities,omitempty"`
}

func genericError(code int, msg string) *errorEntity {
	return &errorEntity{Type: "generic_error", ErrorCode: code, Message: msg}
}

// statementError is the error for one failed statement; entities are the
// results of the statements before it in the same request.
func statementError(code int, stmt string, err error, entities []any) map[string]any {
	if entities == nil {
		entities = []any{}
	}
	return map[string]any{
		"@type":         "statement_error",
		"error_code":    code,
		"message":       errorMessage(err),
		"statementText": stmt,
		"entities":      entities,
	}
}

// errorMessage is the text ksqlDB would send: syntax errors keep their
// line:col prefix, other user errors are the bare message.
func errorMessage(err error) string {
	var ae *ast.Error
	if errors.As(err, &ae) && ae.Category != ast.SyntaxError {
		return ae.Msg
	}
	return err.Error()
}

// responseType picks the content type of a JSON response from Accept:
// application/json when asked for (and not the ksql type), else ksqlDB's.
func responseType(r *http.Request) string {
	acc := r.Header.Get("Accept")
	if strings.Contains(acc, ctJSON) && !strings.Contains(acc, ctKsqlV1) {
		return ctJSON
	}
	return ctKsqlV1
}

// writeJSON writes v as the whole response. Values must marshal; a failure
// is a programming error reported as a 500.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = marshal(genericError(codeServerError, fmt.Sprintf("encoding response: %v", err)))
	}
	w.Header().Set("Content-Type", responseType(r))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshal is json.Marshal without HTML escaping: SQL text has '<' and '&'.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeBody reads a JSON request body of at most limit bytes into v. On
// failure it has answered the request (413 for a body over the limit, 400
// otherwise) and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the request object")
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeJSON(w, r, http.StatusRequestEntityTooLarge, tooLarge(limit))
	case errors.Is(err, io.EOF):
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "Request body is empty"))
	default:
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "Invalid JSON in request: "+err.Error()))
	}
	return false
}

func tooLarge(limit int64) *errorEntity {
	return genericError(codeTooLarge, fmt.Sprintf("Request body is larger than %d bytes", limit))
}

// requestTypes are the request content types the API reads: ksqlDB's, JSON
// and the delimited format of /query-stream and /inserts-stream. A request
// without a Content-Type is read as JSON, as curl users expect.
var requestTypes = map[string]bool{ctKsqlV1: true, "application/vnd.ksql+json": true, ctJSON: true, ctDelimited: true}

// requireJSON answers 415 to a request whose body is declared as something
// the API cannot read (a form, plain text), rather than failing on it later
// with a confusing JSON error.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			next.ServeHTTP(w, r)
			return
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err == nil && (requestTypes[mt] || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
			next.ServeHTTP(w, r)
			return
		}
		writeJSON(w, r, http.StatusUnsupportedMediaType, genericError(codeUnsupportedType,
			fmt.Sprintf("Unsupported content type %q: send %s or %s", ct, ctKsqlV1, ctJSON)))
	})
}

// propertyMap turns request properties (any JSON values) into the strings a
// session holds.
func propertyMap(in map[string]any) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}
