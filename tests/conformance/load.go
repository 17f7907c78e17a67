// Package conformance runs ksqlDB's query-validation tests (the QTT JSON
// files of ../shared/conformance/ksql/qtt) against the Sluice engine and
// reports, per expanded case, pass, fail or a named skip.
//
// Each case runs on a fresh ephemeral engine (its own in-process broker): the
// runner pre-creates topics, executes the statements, produces the inputs in
// list order to partition 0, waits until every persistent query is idle, and
// then compares the sink topics and the catalog with the expectations, with
// the rules of RUNNER-NOTES.md §5-6. See README.md for the details.
package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Case is one expanded test case: a QTT test with one format and one config
// value substituted.
type Case struct {
	File       string // file name without directory and ".json"
	Name       string // "file - name[ - FMT][ - k=v]"
	Test       string // the test's own name
	Format     string // the {FORMAT} value, "" when the test has no format list
	Statements []string
	Properties map[string]string
	Inputs     []Record
	Outputs    []Record
	Topics     []Topic
	Expected   *ExpectedError
	Post       *Post
	// MaxVersion is versions.max: the case applies only to older ksqlDB releases.
	MaxVersion string
	// REST marks an RQTT case: it runs through the REST server and checks
	// its responses (see rest.go).
	REST bool
	// Responses are the expected REST responses, one per statement.
	Responses []Response
	// RESTError is expectedError: the last statement must fail with it.
	RESTError *RESTError
	// WaitForPushQuery is inputConditions.waitForActivePushQuery: the inputs
	// are produced only once the push query runs.
	WaitForPushQuery bool
	// VerifyOrder is outputConditions.verifyOrder: query rows must come in
	// the expected order (otherwise they compare as a multiset).
	VerifyOrder bool
	// ProtoQuery is testPullWithProtoFormat: the queries also run with
	// protobuf output, compared against queryProto responses.
	ProtoQuery bool
}

// Response is one expected RQTT response: Kind is "admin", "query" or
// "queryProto"; Payload is the JSON value under it (decoded with UseNumber).
type Response struct {
	Kind    string
	Payload any
}

// RESTError is an RQTT expectedError. Empty Type and zero Status are not
// checked.
type RESTError struct {
	Type    string // Java class of the error entity
	Message string // substring of the error message
	Status  int    // HTTP status
}

// Record is an input or expected output record.
type Record struct {
	Topic string
	// Key and Value are JSON values decoded with UseNumber: nil, bool,
	// string, json.Number, []any, map[string]any. A nil Value is a tombstone.
	Key       any
	Value     any
	Timestamp *int64
	Window    *Window
	// Headers is nil when the record lists none, which for an expected
	// record means "no headers".
	Headers []Header
}

// Window is a record's window: Type is "time" or "session".
type Window struct {
	Start, End int64
	Type       string
}

// Header is one record header; a nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Topic is an entry of topics[].
type Topic struct {
	Name        string
	Partitions  int // 0: not given (1)
	KeyFormat   string
	ValueFormat string
	// HasSchema is set when the entry carries a schema or schema id to
	// register in a schema registry.
	HasSchema bool
}

// ExpectedError is expectedException.
type ExpectedError struct {
	Type    string // Java class name
	Message string // substring of the error message
}

// Post holds the post-conditions.
type Post struct {
	Sources   []PostSource
	Blacklist string // regex no topic may match; "" for none
	Topics    []PostTopic
}

// PostSource is a post.sources entry. Empty strings and nil slices are
// "not given" and not checked.
type PostSource struct {
	Name          string
	Type          string
	Schema        string
	KeyFormat     *KeyFormat
	ValueFormat   string
	KeyFeatures   []string
	ValueFeatures []string
	HasKeyFeat    bool
	HasValueFeat  bool
	IsSource      *bool
}

// KeyFormat is a post-condition key format.
type KeyFormat struct {
	Format     string
	WindowType string // "" when not windowed
	WindowSize *int64
}

// PostTopic is a post.topics.topics entry.
type PostTopic struct {
	Name        string
	KeyFormat   string
	ValueFormat string
	Partitions  int // 0: not checked
}

// LoadFile reads a QTT file and expands its cases.
func LoadFile(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	cases, err := Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cases, nil
}

// Parse decodes a QTT file's content (strict JSON) and expands every enabled
// test over its format and config lists. file names the cases.
func Parse(file string, data []byte) ([]Case, error) {
	var doc struct {
		Tests []json.RawMessage `json:"tests"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var out []Case
	for i, raw := range doc.Tests {
		cs, err := expand(file, raw)
		if err != nil {
			return nil, fmt.Errorf("test %d: %w", i+1, err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// rawTest is a test before expansion. Only the fields the runner uses are
// named; unknown keys are ignored.
type rawTest struct {
	Name       string                     `json:"name"`
	Enabled    *bool                      `json:"enabled"`
	Format     []string                   `json:"format"`
	Config     []json.RawMessage          `json:"config"`
	Properties map[string]json.RawMessage `json:"properties"`
	Statements json.RawMessage            `json:"statements"`
	Inputs     json.RawMessage            `json:"inputs"`
	Outputs    json.RawMessage            `json:"outputs"`
	Topics     json.RawMessage            `json:"topics"`
	Post       json.RawMessage            `json:"post"`
	Expected   *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"expectedException"`
	Versions *struct {
		Max string `json:"max"`
	} `json:"versions"`
	// Responses or expectedError mark a REST (RQTT) case.
	Responses       json.RawMessage `json:"responses"`
	ExpectedError   json.RawMessage `json:"expectedError"`
	InputConditions *struct {
		WaitForActivePushQuery bool `json:"waitForActivePushQuery"`
	} `json:"inputConditions"`
	OutputConditions *struct {
		VerifyOrder bool `json:"verifyOrder"`
	} `json:"outputConditions"`
	TestPullWithProtoFormat bool `json:"testPullWithProtoFormat"`
}

func expand(file string, raw json.RawMessage) ([]Case, error) {
	var t rawTest
	if err := decodeStrict(raw, &t); err != nil {
		return nil, err
	}
	if t.Name == "" {
		return nil, fmt.Errorf("test without a name")
	}
	if t.Enabled != nil && !*t.Enabled {
		return nil, nil
	}
	formats := t.Format
	if len(formats) == 0 {
		formats = []string{""}
	}
	configs := []string{""}
	hasConfig := len(t.Config) > 0
	if hasConfig {
		configs = configs[:0]
		for _, c := range t.Config {
			configs = append(configs, scalarText(c))
		}
	}
	var out []Case
	for _, f := range formats {
		for _, cv := range configs {
			c, err := build(file, &t, f, cv, hasConfig)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.Name, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func build(file string, t *rawTest, format, config string, hasConfig bool) (Case, error) {
	c := Case{File: file, Test: t.Name, Format: format, Properties: map[string]string{}}
	subst := func(b json.RawMessage) json.RawMessage {
		if format == "" || len(b) == 0 {
			return b
		}
		return bytes.ReplaceAll(b, []byte("{FORMAT}"), []byte(format))
	}
	name := file + " - " + t.Name
	if format != "" {
		name += " - " + format
	}
	keys := make([]string, 0, len(t.Properties))
	for k := range t.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := scalarText(t.Properties[k])
		if hasConfig && v == "{CONFIG}" {
			v = config
			name += " - " + k + "=" + config
		}
		c.Properties[k] = v
	}
	c.Name = name
	if len(t.Statements) > 0 {
		if err := decodeStrict(subst(t.Statements), &c.Statements); err != nil {
			return c, fmt.Errorf("statements: %w", err)
		}
	}
	var err error
	if c.Inputs, err = parseRecords(t.Inputs); err != nil {
		return c, fmt.Errorf("inputs: %w", err)
	}
	if c.Outputs, err = parseRecords(t.Outputs); err != nil {
		return c, fmt.Errorf("outputs: %w", err)
	}
	if c.Topics, err = parseTopics(subst(t.Topics)); err != nil {
		return c, fmt.Errorf("topics: %w", err)
	}
	if c.Post, err = parsePost(subst(t.Post)); err != nil {
		return c, fmt.Errorf("post: %w", err)
	}
	if t.Expected != nil {
		c.Expected = &ExpectedError{Type: t.Expected.Type, Message: t.Expected.Message}
	}
	if t.Versions != nil {
		c.MaxVersion = t.Versions.Max
	}
	c.REST = len(t.Responses) > 0 || len(t.ExpectedError) > 0
	if c.REST {
		if err := parseREST(&c, t, subst); err != nil {
			return c, err
		}
	}
	return c, nil
}

// parseREST fills the RQTT fields of c.
func parseREST(c *Case, t *rawTest, subst func(json.RawMessage) json.RawMessage) error {
	if len(t.Responses) > 0 && string(t.Responses) != "null" {
		var raws []map[string]any
		if err := decodeStrict(subst(t.Responses), &raws); err != nil {
			return fmt.Errorf("responses: %w", err)
		}
		for i, m := range raws {
			if len(m) != 1 {
				return fmt.Errorf("response %d: expected one key, got %d", i+1, len(m))
			}
			for k, v := range m {
				c.Responses = append(c.Responses, Response{Kind: k, Payload: v})
			}
		}
	}
	if len(t.ExpectedError) > 0 && string(t.ExpectedError) != "null" {
		var e struct {
			Type    string       `json:"type"`
			Message string       `json:"message"`
			Status  *json.Number `json:"status"`
		}
		if err := decodeStrict(t.ExpectedError, &e); err != nil {
			return fmt.Errorf("expectedError: %w", err)
		}
		c.RESTError = &RESTError{Type: e.Type, Message: e.Message}
		if e.Status != nil {
			n, err := e.Status.Int64()
			if err != nil {
				return fmt.Errorf("expectedError status: %w", err)
			}
			c.RESTError.Status = int(n)
		}
	}
	if t.InputConditions != nil {
		c.WaitForPushQuery = t.InputConditions.WaitForActivePushQuery
	}
	if t.OutputConditions != nil {
		c.VerifyOrder = t.OutputConditions.VerifyOrder
	}
	c.ProtoQuery = t.TestPullWithProtoFormat
	return nil
}

// decodeStrict decodes JSON keeping numbers as json.Number.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// scalarText renders a JSON scalar as a property value: strings unquoted,
// numbers and booleans as written.
func scalarText(b json.RawMessage) string {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return s
	}
	return strings.TrimSpace(string(b))
}

func parseRecords(b json.RawMessage) ([]Record, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var raws []map[string]any
	if err := decodeStrict(b, &raws); err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(raws))
	for i, m := range raws {
		r, err := parseRecord(m)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRecord(m map[string]any) (Record, error) {
	var r Record
	topic, ok := m["topic"].(string)
	if !ok {
		return r, fmt.Errorf("missing topic")
	}
	r.Topic = topic
	r.Key = m["key"]
	r.Value = m["value"]
	if ts, ok := m["timestamp"]; ok && ts != nil {
		n, err := asInt64(ts)
		if err != nil {
			return r, fmt.Errorf("timestamp: %w", err)
		}
		r.Timestamp = &n
	}
	if w, ok := m["window"].(map[string]any); ok {
		var win Window
		var err error
		if win.Start, err = asInt64(w["start"]); err != nil {
			return r, fmt.Errorf("window start: %w", err)
		}
		if win.End, err = asInt64(w["end"]); err != nil {
			return r, fmt.Errorf("window end: %w", err)
		}
		win.Type, _ = w["type"].(string)
		win.Type = strings.ToLower(win.Type)
		r.Window = &win
	}
	if hs, ok := m["headers"].([]any); ok {
		r.Headers = []Header{}
		for _, h := range hs {
			hm, ok := h.(map[string]any)
			if !ok {
				return r, fmt.Errorf("header is not an object")
			}
			var hd Header
			hd.Key, _ = hm["KEY"].(string)
			if v, ok := hm["VALUE"].(string); ok {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return r, fmt.Errorf("header %s: %w", hd.Key, err)
				}
				hd.Value = b
			}
			r.Headers = append(r.Headers, hd)
		}
	}
	return r, nil
}

func asInt64(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return 0, err
		}
		return int64(f), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// formatName reads a format given either as "JSON" or {"format": "JSON", ...}.
func formatName(v any) string {
	switch x := v.(type) {
	case string:
		return strings.ToUpper(x)
	case map[string]any:
		s, _ := x["format"].(string)
		return strings.ToUpper(s)
	}
	return ""
}

func parseTopics(b json.RawMessage) ([]Topic, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var raws []map[string]any
	if err := decodeStrict(b, &raws); err != nil {
		return nil, err
	}
	var out []Topic
	for _, m := range raws {
		t := Topic{KeyFormat: formatName(m["keyFormat"]), ValueFormat: formatName(m["valueFormat"])}
		t.Name, _ = m["name"].(string)
		if f := formatName(m["format"]); f != "" {
			if t.KeyFormat == "" {
				t.KeyFormat = f
			}
			if t.ValueFormat == "" {
				t.ValueFormat = f
			}
		}
		if p, ok := m["partitions"]; ok && p != nil {
			n, err := asInt64(p)
			if err != nil {
				return nil, fmt.Errorf("%s partitions: %w", t.Name, err)
			}
			t.Partitions = int(n)
		}
		for k, v := range m {
			if v != nil && (strings.HasSuffix(k, "Schema") || strings.HasSuffix(k, "SchemaId") ||
				strings.HasSuffix(k, "SchemaReferences") || k == "schema") {
				t.HasSchema = true
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func parsePost(b json.RawMessage) (*Post, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var raw struct {
		Sources []map[string]any `json:"sources"`
		Topics  *struct {
			Blacklist string           `json:"blacklist"`
			Topics    []map[string]any `json:"topics"`
		} `json:"topics"`
	}
	if err := decodeStrict(b, &raw); err != nil {
		return nil, err
	}
	p := &Post{}
	for _, m := range raw.Sources {
		s := PostSource{ValueFormat: formatName(m["valueFormat"])}
		s.Name, _ = m["name"].(string)
		s.Type, _ = m["type"].(string)
		s.Schema, _ = m["schema"].(string)
		if kf, ok := m["keyFormat"]; ok && kf != nil {
			k := &KeyFormat{Format: formatName(kf)}
			if km, ok := kf.(map[string]any); ok {
				k.WindowType, _ = km["windowType"].(string)
				k.WindowType = strings.ToUpper(k.WindowType)
				if ws, ok := km["windowSize"]; ok && ws != nil {
					n, err := asInt64(ws)
					if err != nil {
						return nil, fmt.Errorf("%s windowSize: %w", s.Name, err)
					}
					k.WindowSize = &n
				}
			}
			s.KeyFormat = k
		}
		s.KeyFeatures, s.HasKeyFeat = stringList(m["keyFeatures"])
		s.ValueFeatures, s.HasValueFeat = stringList(m["valueFeatures"])
		if v, ok := m["isSource"].(bool); ok {
			s.IsSource = &v
		}
		p.Sources = append(p.Sources, s)
	}
	if raw.Topics != nil {
		p.Blacklist = raw.Topics.Blacklist
		for _, m := range raw.Topics.Topics {
			t := PostTopic{KeyFormat: formatName(m["keyFormat"]), ValueFormat: formatName(m["valueFormat"])}
			t.Name, _ = m["name"].(string)
			if pv, ok := m["partitions"]; ok && pv != nil {
				n, err := asInt64(pv)
				if err != nil {
					return nil, fmt.Errorf("%s partitions: %w", t.Name, err)
				}
				t.Partitions = int(n)
			}
			p.Topics = append(p.Topics, t)
		}
	}
	return p, nil
}

func stringList(v any) ([]string, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := []string{}
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, strings.ToUpper(s))
		}
	}
	return out, true
}
