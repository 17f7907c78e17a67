package conformance

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseExpansion(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		wantNames []string
		check     func(t *testing.T, cs []Case)
	}{
		{
			name:      "plain",
			json:      `{"tests":[{"name":"a","statements":["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='JSON');"]}]}`,
			wantNames: []string{"f - a"},
		},
		{
			name: "disabled and unknown keys",
			json: `{"comments":["x"],"tests":[
				{"name":"off","enabled":false,"statements":[]},
				{"name":"on","enabled":true,"statements":[],"issue":"#1","comment":"c","versions":{"min":"7.2.0"}}]}`,
			wantNames: []string{"f - on"},
			check: func(t *testing.T, cs []Case) {
				if cs[0].MaxVersion != "" {
					t.Errorf("min-only versions must not set MaxVersion")
				}
			},
		},
		{
			name: "format matrix",
			json: `{"tests":[{"name":"m","format":["JSON","AVRO"],
				"statements":["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='{FORMAT}');"],
				"topics":[{"name":"t","valueFormat":"{FORMAT}"}]}]}`,
			wantNames: []string{"f - m - JSON", "f - m - AVRO"},
			check: func(t *testing.T, cs []Case) {
				if !strings.Contains(cs[1].Statements[0], "value_format='AVRO'") {
					t.Errorf("statement not substituted: %s", cs[1].Statements[0])
				}
				if cs[1].Topics[0].ValueFormat != "AVRO" || cs[1].Format != "AVRO" {
					t.Errorf("topic not substituted: %+v", cs[1].Topics[0])
				}
			},
		},
		{
			name: "format x config",
			json: `{"tests":[{"name":"fc","format":["JSON","KAFKA"],"config":["true",false],
				"properties":{"ksql.new.query.planner.enabled":"{CONFIG}","other":5},"statements":[]}]}`,
			wantNames: []string{
				"f - fc - JSON - ksql.new.query.planner.enabled=true",
				"f - fc - JSON - ksql.new.query.planner.enabled=false",
				"f - fc - KAFKA - ksql.new.query.planner.enabled=true",
				"f - fc - KAFKA - ksql.new.query.planner.enabled=false",
			},
			check: func(t *testing.T, cs []Case) {
				if got := cs[1].Properties["ksql.new.query.planner.enabled"]; got != "false" {
					t.Errorf("config not substituted: %q", got)
				}
				if got := cs[0].Properties["other"]; got != "5" {
					t.Errorf("numeric property: %q", got)
				}
			},
		},
		{
			name: "expected exception and post",
			json: `{"tests":[{"name":"e","statements":["X"],
				"expectedException":{"type":"io.confluent.ksql.util.KsqlStatementException","message":"boom"},
				"post":{"sources":[{"name":"OUT","type":"stream","schema":"ID INT KEY","keyFormat":{"format":"KAFKA","windowType":"TUMBLING","windowSize":1000},"valueFormat":"JSON","keyFeatures":[],"isSource":false}],
					"topics":{"blacklist":".*-repartition","topics":[{"name":"OUT","keyFormat":{"format":"KAFKA"},"valueFormat":{"format":"JSON"},"partitions":4}]}}}]}`,
			wantNames: []string{"f - e"},
			check: func(t *testing.T, cs []Case) {
				c := cs[0]
				if c.Expected == nil || c.Expected.Message != "boom" {
					t.Fatalf("expected exception: %+v", c.Expected)
				}
				ps := c.Post.Sources[0]
				if ps.KeyFormat.WindowType != "TUMBLING" || *ps.KeyFormat.WindowSize != 1000 || !ps.HasKeyFeat || ps.HasValueFeat || *ps.IsSource {
					t.Errorf("post source: %+v %+v", ps, ps.KeyFormat)
				}
				want := PostTopic{Name: "OUT", KeyFormat: "KAFKA", ValueFormat: "JSON", Partitions: 4}
				if c.Post.Blacklist != ".*-repartition" || !reflect.DeepEqual(c.Post.Topics[0], want) {
					t.Errorf("post topics: %+v", c.Post)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := Parse("f", []byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range cs {
				names = append(names, c.Name)
			}
			if !reflect.DeepEqual(names, tt.wantNames) {
				t.Fatalf("names = %q, want %q", names, tt.wantNames)
			}
			if tt.check != nil {
				tt.check(t, cs)
			}
		})
	}
}

func TestParseRecords(t *testing.T) {
	src := `{"tests":[{"name":"r","statements":[],
		"inputs":[
			{"topic":"in","key":1,"value":{"A":1.50},"timestamp":0,"headers":[{"KEY":"h","VALUE":"AQI="},{"KEY":"n","VALUE":null}]},
			{"topic":"in","value":null,"window":{"start":10,"end":20,"type":"Session"}}],
		"outputs":[{"topic":"out","key":"k","value":"1,2"}]}]}`
	cs, err := Parse("f", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	in0 := c.Inputs[0]
	if in0.Key != json.Number("1") || in0.Timestamp == nil || *in0.Timestamp != 0 {
		t.Errorf("input 0: %+v", in0)
	}
	if v := in0.Value.(map[string]any)["A"]; v != json.Number("1.50") {
		t.Errorf("decimal text must be kept: %v", v)
	}
	wantH := []Header{{Key: "h", Value: []byte{1, 2}}, {Key: "n"}}
	if !reflect.DeepEqual(in0.Headers, wantH) {
		t.Errorf("headers = %+v", in0.Headers)
	}
	in1 := c.Inputs[1]
	if in1.Value != nil || in1.Key != nil || in1.Timestamp != nil || in1.Headers != nil {
		t.Errorf("input 1: %+v", in1)
	}
	if *in1.Window != (Window{Start: 10, End: 20, Type: "session"}) {
		t.Errorf("window: %+v", in1.Window)
	}
	if c.Outputs[0].Value != "1,2" {
		t.Errorf("output: %+v", c.Outputs[0])
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		`{"tests":[{"name":"x","statements":[]}`,
		`{"tests":[{"statements":[]}]}`,
		`{"tests":[{"name":"x","statements":[],"inputs":[{"value":1}]}]}`,
		`{"tests":[{"name":"x","statements":[],"inputs":[{"topic":"t","value":1,"timestamp":"soon"}]}]}`,
	} {
		if _, err := Parse("f", []byte(src)); err == nil {
			t.Errorf("no error for %s", src)
		}
	}
}

func TestSkipReason(t *testing.T) {
	tests := []struct {
		name string
		c    Case
		want string
	}{
		{"json", Case{Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');"}}, ""},
		{"avro value", Case{Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='Avro');"}}, SkipSchemaRegistry},
		{"json_sr key", Case{Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', key_format='JSON_SR', value_format='JSON');"}}, SkipSchemaRegistry},
		{"schema id", Case{Statements: []string{"CREATE STREAM S WITH (kafka_topic='t', format='JSON', VALUE_SCHEMA_ID=1);"}}, SkipSchemaRegistry},
		{"topic schema", Case{Topics: []Topic{{Name: "t", HasSchema: true}}}, SkipSchemaRegistry},
		{"default format used", Case{
			Properties: map[string]string{"ksql.persistence.default.format.value": "AVRO"},
			Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t');"}}, SkipSchemaRegistry},
		{"default format overridden", Case{
			Properties: map[string]string{"ksql.persistence.default.format.value": "AVRO"},
			Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON', key_format='KAFKA');",
				"CREATE STREAM O AS SELECT * FROM S;"}}, ""},
		{"protobuf nosr with records", Case{Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', format='PROTOBUF_NOSR');"},
			Inputs: []Record{{Topic: "t"}}}, SkipProtobufNoSR},
		{"protobuf nosr statements only", Case{Statements: []string{"CREATE STREAM S (A INT) WITH (kafka_topic='t', format='PROTOBUF_NOSR');"}}, ""},
		{"old version", Case{MaxVersion: "6.0.0"}, SkipOldVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SkipReason(&tt.c); got != tt.want {
				t.Errorf("SkipReason = %q, want %q", got, tt.want)
			}
		})
	}
}
