package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestProducerRecycling produces from several goroutines through one
// Producer, whose kgo records are recycled after their acks, and checks that
// every record arrives intact: a record reused too early would show up as a
// duplicate, a loss or a mixed-up key, value, timestamp or header.
func TestProducerRecycling(t *testing.T) {
	b, err := StartBroker(BrokerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Dial(ctx, []string{b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const topic, writers, perWriter = "recycled", 4, 2000
	if err := c.CreateTopic(ctx, topic, 3, nil); err != nil {
		t.Fatal(err)
	}
	var errMu sync.Mutex
	var produceErr error
	p := c.Producer(func(err error) {
		errMu.Lock()
		produceErr = err
		errMu.Unlock()
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Record // reused by the caller, as sinks do
			for i := range perWriter {
				n := w*perWriter + i
				r = Record{Topic: topic, Partition: int32(n % 3), Key: []byte(fmt.Sprint("k", n)),
					Value: []byte(fmt.Sprint("v", n)), Timestamp: int64(1000 + n)}
				if n%2 == 0 {
					r.Headers = []Header{{Key: "h", Value: []byte(fmt.Sprint(n))}}
				}
				p.Produce(ctx, &r)
			}
		}()
	}
	wg.Wait()
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if produceErr != nil {
		t.Fatal(produceErr)
	}
	cons, err := c.NewPartitionConsumer(topic, Offsets{0: 0, 1: 0, 2: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	seen := map[int]bool{}
	for len(seen) < writers*perWriter && ctx.Err() == nil {
		recs, err := cons.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			var n int
			if _, err := fmt.Sscanf(string(r.Value), "v%d", &n); err != nil {
				t.Fatalf("value %q: %v", r.Value, err)
			}
			if seen[n] {
				t.Fatalf("record %d twice", n)
			}
			seen[n] = true
			if string(r.Key) != fmt.Sprint("k", n) || r.Timestamp != int64(1000+n) || r.Partition != int32(n%3) {
				t.Fatalf("record %d arrived as key %q, ts %d, partition %d", n, r.Key, r.Timestamp, r.Partition)
			}
			wantHdr := n%2 == 0
			if (len(r.Headers) == 1) != wantHdr || wantHdr && string(r.Headers[0].Value) != fmt.Sprint(n) {
				t.Fatalf("record %d arrived with headers %v", n, r.Headers)
			}
		}
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("got %d records, want %d", len(seen), writers*perWriter)
	}
}
