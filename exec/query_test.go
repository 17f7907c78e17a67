package exec

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
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

// TestMergeByTime checks mergeByTime against its definition, a Kafka
// Streams task's choice record by record: the partition with the lowest
// head time, the first met in the input on ties.
func TestMergeByTime(t *testing.T) {
	naive := func(recs []kafka.Record) []kafka.Record {
		var order []string
		queues := map[string][]kafka.Record{}
		for _, r := range recs {
			k := fmt.Sprint(r.Topic, r.Partition)
			if _, ok := queues[k]; !ok {
				order = append(order, k)
			}
			queues[k] = append(queues[k], r)
		}
		var out []kafka.Record
		for len(out) < len(recs) {
			best := ""
			for _, k := range order {
				if q := queues[k]; len(q) > 0 && (best == "" || q[0].Timestamp < queues[best][0].Timestamp) {
					best = k
				}
			}
			out = append(out, queues[best][0])
			queues[best] = queues[best][1:]
		}
		return out
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 500 {
		// Runs of a few topics and partitions, times that mostly grow with
		// ties and steps back.
		var recs []kafka.Record
		for range r.IntN(8) {
			topic, p := string(rune('a'+r.IntN(2))), int32(r.IntN(3))
			ts := int64(r.IntN(20))
			for range 1 + r.IntN(6) {
				ts += int64(r.IntN(4)) - 1
				recs = append(recs, kafka.Record{Topic: topic, Partition: p, Offset: int64(len(recs)), Timestamp: ts})
			}
		}
		want := naive(recs)
		got := mergeByTime(slices.Clone(recs))
		offsets := func(rs []kafka.Record) []int64 {
			var o []int64
			for _, r := range rs {
				o = append(o, r.Offset)
			}
			return o
		}
		if !slices.Equal(offsets(got), offsets(want)) {
			t.Fatalf("round %d: input %v\n got  %v\n want %v", round, recs, offsets(got), offsets(want))
		}
	}
}
