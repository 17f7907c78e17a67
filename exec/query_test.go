package exec

import (
	"maps"
	"testing"

	"github.com/sluicedb/sluice/exec/kafka"
)

func TestNewestTimes(t *testing.T) {
	rec := func(topic string, p int32, ts int64) kafka.Record {
		return kafka.Record{Topic: topic, Partition: p, Timestamp: ts}
	}
	for _, tc := range []struct {
		name  string
		polls [][]kafka.Record
		want  newestTimes
	}{
		{"none", nil, newestTimes{}},
		{"one run, newest not last", [][]kafka.Record{{rec("a", 0, 5), rec("a", 0, 9), rec("a", 0, 7)}},
			newestTimes{{"a", 0}: 9}},
		{"runs of topics and partitions", [][]kafka.Record{{rec("a", 0, 5), rec("a", 1, 3), rec("b", 1, 8), rec("a", 0, 6)}},
			newestTimes{{"a", 0}: 6, {"a", 1}: 3, {"b", 1}: 8}},
		{"a later poll with older records", [][]kafka.Record{{rec("a", 0, 10)}, {rec("a", 0, 4), rec("b", 0, 2)}},
			newestTimes{{"a", 0}: 10, {"b", 0}: 2}},
		{"a later poll with newer records", [][]kafka.Record{{rec("a", 0, 10)}, {rec("a", 0, 4), rec("a", 0, 12)}},
			newestTimes{{"a", 0}: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newestTimes{}
			for _, p := range tc.polls {
				got.note(p)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
