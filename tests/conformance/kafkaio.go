package conformance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaIO is the runner's own Kafka client. It uses franz-go directly
// rather than the exec/kafka facade because a test driver must control
// what the facade decides for the engine: inputs go to an explicit
// partition (the facade's producer partitions by key) and carry their exact
// timestamp, including 0 (the facade treats 0 as "now").
type kafkaIO struct {
	seeds []string
	cl    *kgo.Client
	adm   *kadm.Client
}

func dialIO(addr string) (*kafkaIO, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
		kgo.AllowAutoTopicCreation(),
		kgo.MetadataMinAge(20*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return &kafkaIO{seeds: []string{addr}, cl: cl, adm: kadm.NewClient(cl)}, nil
}

func (k *kafkaIO) close() { k.cl.Close() }

// createTopic creates a topic with one replica; an existing topic is fine.
func (k *kafkaIO) createTopic(ctx context.Context, name string, partitions int) error {
	if partitions <= 0 {
		partitions = 1
	}
	resp, err := k.adm.CreateTopic(ctx, int32(partitions), 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

// produce writes records in order and waits for all acks. Records to one
// partition keep their order (the producer is idempotent).
func (k *kafkaIO) produce(ctx context.Context, recs []*kgo.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := k.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("produce inputs: %w", err)
	}
	return nil
}

// topics lists every topic, internal ones included, with partition counts.
func (k *kafkaIO) topics(ctx context.Context) (map[string]int, error) {
	tds, err := k.adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out := map[string]int{}
	for name, td := range tds {
		if td.Err == nil {
			out[name] = len(td.Partitions)
		}
	}
	return out, nil
}

// readAll returns every record of the given topics, per topic merged from
// its partitions by timestamp (see mergeByTimestamp). A missing topic reads as empty.
func (k *kafkaIO) readAll(ctx context.Context, topics []string) (map[string][]*kgo.Record, error) {
	out := map[string][]*kgo.Record{}
	existing, err := k.topics(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range topics {
		if _, ok := existing[t]; ok {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return out, nil
	}
	starts, err := k.adm.ListStartOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	ends, err := k.adm.ListEndOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets: %w", err)
	}
	parts := map[string]map[int32]kgo.Offset{}
	want := map[string]map[int32]int64{} // topic -> partition -> end offset
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		start := int64(0)
		if s, ok := starts.Lookup(o.Topic, o.Partition); ok && s.Err == nil {
			start = s.Offset
		}
		if o.Offset <= start {
			return
		}
		if parts[o.Topic] == nil {
			parts[o.Topic] = map[int32]kgo.Offset{}
			want[o.Topic] = map[int32]int64{}
		}
		parts[o.Topic][o.Partition] = kgo.NewOffset().At(start)
		want[o.Topic][o.Partition] = o.Offset
	})
	if len(parts) == 0 {
		return out, nil
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(k.seeds...), kgo.ConsumePartitions(parts),
		kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	defer cons.Close()
	got := map[string]map[int32][]*kgo.Record{}
	remaining := 0
	for _, ps := range want {
		remaining += len(ps)
	}
	for remaining > 0 {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading outputs: %w", ctx.Err())
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if ferr == nil {
				ferr = fmt.Errorf("fetch %s[%d]: %w", t, p, err)
			}
		})
		if ferr != nil {
			return nil, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Topic][r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			if got[r.Topic] == nil {
				got[r.Topic] = map[int32][]*kgo.Record{}
			}
			got[r.Topic][r.Partition] = append(got[r.Topic][r.Partition], r)
			if r.Offset == end-1 {
				remaining--
			}
		})
	}
	for t, byPart := range got {
		ps := make([]int32, 0, len(byPart))
		for p := range byPart {
			ps = append(ps, p)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		out[t] = mergeByTimestamp(byPart, ps)
	}
	return out, nil
}

// mergeByTimestamp interleaves partitions into one list, each partition's
// records in offset order, by taking the earliest-stamped head (the lowest
// partition on ties). The production order across partitions is lost in
// Kafka; timestamp order is what ksqlDB's single-task test driver gives
// for inputs in time order, as the cases' inputs mostly are.
func mergeByTimestamp(byPart map[int32][]*kgo.Record, ps []int32) []*kgo.Record {
	var out []*kgo.Record
	next := make([]int, len(ps))
	for {
		best := -1
		for i, p := range ps {
			if next[i] >= len(byPart[p]) {
				continue
			}
			if best < 0 || byPart[p][next[i]].Timestamp.Before(byPart[ps[best]][next[best]].Timestamp) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, byPart[ps[best]][next[best]])
		next[best]++
	}
}
