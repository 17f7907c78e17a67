package exec

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluicedb/sluice/exec/kafka"
)

// A changelog partition's restore shows in the query's restore progress
// while it runs: one partition restoring, and the records between each
// record read and the end offset remaining; none once it stops, whether it
// read to the end or was abandoned.
func TestRestoreProgress(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	ctx := context.Background()
	const topic = "progress-changelog"
	if err := e.client.CreateTopic(ctx, topic, 1, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, _, err := e.client.Produce(ctx, &kafka.Record{Topic: topic, Partition: 0,
			Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	var p restoreProgress
	check := func(what string, partitions, remaining int64) {
		t.Helper()
		if got, rem := p.partitions.Load(), p.remaining.Load(); got != partitions || rem != remaining {
			t.Errorf("%s: %d partitions restoring, %d records remaining; want %d, %d", what, got, rem, partitions, remaining)
		}
	}
	// From offset 1: records 1..4, the end offset is 5.
	n := int64(0)
	for r, err := range e.readChangelog(topic, 0, 1, &p) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		check(fmt.Sprintf("at record %s", r.Key), 1, 4-n)
	}
	if n != 4 {
		t.Fatalf("read %d records, want 4", n)
	}
	check("after the restore", 0, 0)
	for range e.readChangelog(topic, 0, 0, &p) {
		check("at the first record", 1, 4)
		break
	}
	check("after an abandoned restore", 0, 0)
	for range e.readChangelog(topic, 0, 5, &p) {
		t.Fatal("a restore from the end offset read a record")
	}
	check("after a restore with nothing to read", 0, 0)
}
