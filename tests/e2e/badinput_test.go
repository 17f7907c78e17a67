package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The bad-input test: the kill test's pipeline, without kills, on input of
// which 1% is malformed (invalid JSON, wrong types, deeply nested and
// oversized values, null keys). Valid records must give the exact results,
// every bad record must appear in the processing log (the
// KSQL_PROCESSING_LOG stream's topic) once per query that reports it, and
// nothing may crash; under either processing guarantee.
func TestBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("the bad-input test runs a broker and a server")
	}
	for _, guarantee := range []string{"at_least_once", "exactly_once_v2"} {
		t.Run(guarantee, func(t *testing.T) { badInput(t, guarantee) })
	}
}

// oversizedValue is the size of the oversized bad records: over the
// largest record the engine itself may write, and so over the largest
// processing-log entry, which must keep only part of the record.
const oversizedValue = 2 << 20

func badInput(t *testing.T, guarantee string) {
	addr := startBroker(t)
	port := freePort(t)
	srvURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	srv := startSluice(t, "server", "--bootstrap", addr, "--data-dir", t.TempDir(), "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	srv.waitOutput(t, "Server listening on", 90*time.Second)
	props := map[string]any{"auto.offset.reset": "earliest", "processing.guarantee": guarantee}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	startKillApp(ctx, t, srvURL, addr, props)
	// The input topic and the producer take the oversized records.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerBatchMaxBytes(4*oversizedValue))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	maxBytes := fmt.Sprint(4 * oversizedValue)
	resps, err := kadm.NewClient(cl).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "max.message.bytes", Value: &maxBytes}}, "src")
	if err == nil {
		_, err = resps.On("src", nil)
	}
	if err != nil {
		t.Fatalf("raising max.message.bytes of src: %v", err)
	}
	var recs []*kgo.Record

	all := killInput(5000)
	var valid []killEvent
	bad := map[string]string{} // "partition/offset" -> kind, filled in after producing
	kinds := []string{"invalid json", "wrong type", "deeply nested", "oversized", "null key"}
	var badIdx []int
	for i, e := range all {
		r := &kgo.Record{Topic: "src", Key: []byte(e.acct), Value: fmt.Appendf(nil, `{"SEQ":%d,"V":%d}`, e.seq, e.v), Timestamp: time.UnixMilli(e.ts)}
		if i%100 == 37 {
			switch kinds[len(badIdx)%len(kinds)] {
			case "invalid json":
				r.Value = fmt.Appendf(nil, `{"SEQ":%d,"V":`, e.seq)
			case "wrong type":
				r.Value = fmt.Appendf(nil, `{"SEQ":%d,"V":"not a number"}`, e.seq)
			case "deeply nested":
				// Nested past the decoder's depth limit (a number of any
				// length is valid: ksqlDB keeps its low bits).
				r.Value = fmt.Appendf(nil, `{"SEQ":%d,"V":1,"X":%s%s}`, e.seq, strings.Repeat("[", 50_000), strings.Repeat("]", 50_000))
			case "oversized":
				// A value of megabytes, where a number belongs.
				r.Value = fmt.Appendf(nil, `{"SEQ":%d,"V":"%s"}`, e.seq, strings.Repeat("9x", oversizedValue/2))
			case "null key":
				r.Key = nil
			}
			badIdx = append(badIdx, len(recs))
		} else {
			valid = append(valid, e)
		}
		recs = append(recs, r)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for n, i := range badIdx {
		bad[fmt.Sprintf("%d/%d", recs[i].Partition, recs[i].Offset)] = kinds[n%len(kinds)]
	}

	rd := newKillReader(t, addr)
	wantAgg := killAggregates(valid)
	defer func() {
		if t.Failed() {
			missing, dups, wrong := rd.check(valid)
			t.Logf("join: %d missing, %d dups, %d wrong; aggregates:\n%s\nserver stderr (tail):\n%s", missing, dups, wrong,
				diffTables(map[string]table{"wagg": rd.wagg}, map[string]table{"wagg": wantAgg}), tail(srv.stderr.String(), 4000))
		}
	}()
	waitFor(t, time.Minute, "the results of the valid records", func() bool {
		if srv.exited() {
			t.Fatalf("sluice server exited (%v)\nstderr:\n%s", srv.err, srv.stderr.String())
		}
		if err := rd.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		missing, _, _ := rd.check(valid)
		return missing == 0 && diffTables(map[string]table{"wagg": rd.wagg}, map[string]table{"wagg": wantAgg}) == ""
	})
	if _, dups, wrong := rd.check(valid); dups != 0 || wrong != 0 || rd.joined != len(valid) {
		t.Fatalf("join output: %d records for %d valid events, %d duplicated, %d wrong", rd.joined, len(valid), dups, wrong)
	}

	// The processing log: each bad record once per query reporting it.
	groups := queryGroups(t, rd.adm)
	waitFor(t, time.Minute, "the queries to commit all their input", func() bool {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return settled(c, rd.adm, groups)
	})
	logged := readProcessingLog(t, addr)
	perRecord := map[string]map[string]int{} // partition/offset -> logger -> entries
	for _, ent := range logged {
		info := ent.Message.DeserializationError
		if info == nil {
			info = ent.Message.RecordProcessingError
		}
		if info == nil || info.Topic != "src" {
			t.Errorf("processing log entry without a source record: %+v", ent)
			continue
		}
		k := fmt.Sprintf("%d/%d", info.Partition, info.Offset)
		if bad[k] == "" {
			t.Errorf("processing log entry for a valid record %s: %s", k, info.ErrorMessage)
			continue
		}
		if bad[k] == "oversized" {
			// The entry keeps the start of the record, not all of it.
			raw, err := base64.StdEncoding.DecodeString(info.RecordB64)
			if err != nil || len(raw) == 0 || len(raw) >= oversizedValue || !bytes.HasPrefix(raw, []byte(`{"SEQ":`)) || len(info.ErrorMessage) > 64<<10 {
				t.Errorf("entry of oversized record %s: %d bytes of record (%v), %d of message", k, len(raw), err, len(info.ErrorMessage))
			}
		}
		if perRecord[k] == nil {
			perRecord[k] = map[string]int{}
		}
		perRecord[k][ent.Logger]++
	}
	for k, kind := range bad {
		if len(perRecord[k]) == 0 {
			t.Errorf("bad record %s (%s) is not in the processing log", k, kind)
		}
		for logger, n := range perRecord[k] {
			if n != 1 {
				t.Errorf("bad record %s (%s) is in the processing log %d times for %s", k, kind, n, logger)
			}
		}
	}
	t.Logf("%d records (%d bad), %d processing log entries; valid records' results exact", len(all), len(bad), len(logged))

	// The log is also the KSQL_PROCESSING_LOG stream.
	body, _ := json.Marshal(map[string]any{"ksql": "DESCRIBE KSQL_PROCESSING_LOG;"})
	resp, err := http.Post(srvURL+"/ksql", "application/vnd.ksql.v1+json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "DESERIALIZATIONERROR") {
		t.Errorf("DESCRIBE KSQL_PROCESSING_LOG: HTTP %d: %s", resp.StatusCode, b)
	}
	srv.stop(t, syscall.SIGTERM, 60*time.Second)
}

type plogRecord struct {
	Logger  string `json:"LOGGER"`
	Message struct {
		DeserializationError  *plogInfo `json:"DESERIALIZATIONERROR"`
		RecordProcessingError *plogInfo `json:"RECORDPROCESSINGERROR"`
	} `json:"MESSAGE"`
}

type plogInfo struct {
	ErrorMessage string `json:"ERRORMESSAGE"`
	RecordB64    string `json:"RECORDB64"`
	Topic        string `json:"TOPIC"`
	Partition    int32  `json:"PARTITION"`
	Offset       int64  `json:"OFFSET"`
}

// readProcessingLog reads the committed records of the processing log
// topic (under exactly-once, entries are written in the queries'
// transactions).
func readProcessingLog(t *testing.T, addr string) []plogRecord {
	t.Helper()
	const topic = "default_ksql_processing_log"
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[int32]int64{} // next offset to read, per partition
	behind := func() bool {
		b := false
		ends.Each(func(o kadm.ListedOffset) { b = b || pos[o.Partition] < o.Offset })
		return b
	}
	var out []plogRecord
	for behind() {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading the processing log: at %v of %v", pos, ends)
		}
		fs.EachRecord(func(r *kgo.Record) {
			pos[r.Partition] = r.Offset + 1
			if r.Attrs.IsControl() {
				return
			}
			var p plogRecord
			if err := json.Unmarshal(r.Value, &p); err != nil {
				t.Errorf("processing log record %q: %v", r.Value, err)
			}
			out = append(out, p)
		})
	}
	return out
}
