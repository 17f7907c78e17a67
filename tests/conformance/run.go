package conformance

import (
	"context"
	"fmt"
	"github.com/sluicedb/sluice/tests/sqltest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// Defaults of Options.
const (
	DefaultWorkers = 3
	DefaultTimeout = 20 * time.Second
)

// Options configure a run.
type Options struct {
	// Workers is how many cases run at once (default DefaultWorkers).
	Workers int
	// Timeout bounds one case, engine start to post-conditions (default
	// DefaultTimeout). A case that takes longer fails.
	Timeout time.Duration
	// Filter, when set, is a regular expression a case's full name must match.
	Filter string
	// Progress, when set, is called after each case finishes (never
	// concurrently).
	Progress func(CaseResult)
}

// Status is a case outcome.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// CaseResult is the outcome of one expanded case.
type CaseResult struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Status Status `json:"status"`
	// Reason says why the case failed or was skipped.
	Reason string `json:"reason,omitempty"`
	// Cause is Reason normalised (names, numbers and quoted text replaced)
	// so that failures with the same root cause group together.
	Cause    string        `json:"cause,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// RunFiles loads the QTT files and runs their cases. A file that cannot be
// read or decoded is an error: the corpus is strict JSON.
func RunFiles(ctx context.Context, files []string, opts Options) (*Report, error) {
	var all []Case
	for _, f := range files {
		cs, err := LoadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
	}
	return RunCases(ctx, all, opts)
}

// RunCases runs cases with a small worker pool and returns their results
// in the order of cases.
func RunCases(ctx context.Context, cases []Case, opts Options) (*Report, error) {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Filter != "" {
		re, err := regexp.Compile(opts.Filter)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		var keep []Case
		for _, c := range cases {
			if re.MatchString(c.Name) {
				keep = append(keep, c)
			}
		}
		cases = keep
	}
	start := time.Now()
	results := make([]CaseResult, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	var progressMu sync.Mutex
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = RunCase(ctx, &cases[i], opts.Timeout)
				if opts.Progress != nil {
					progressMu.Lock()
					opts.Progress(results[i])
					progressMu.Unlock()
				}
			}
		}()
	}
	for i := range cases {
		if ctx.Err() != nil {
			results[i] = CaseResult{Name: cases[i].Name, File: cases[i].File, Status: Fail,
				Reason: "not run: " + ctx.Err().Error(), Cause: "not run"}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return &Report{Cases: results, Elapsed: time.Since(start)}, nil
}

// RunCase runs one case on a fresh engine.
func RunCase(ctx context.Context, c *Case, timeout time.Duration) CaseResult {
	start := time.Now()
	res := CaseResult{Name: c.Name, File: c.File}
	if why := SkipReason(c); why != "" {
		res.Status, res.Reason, res.Cause = Skip, why, why
		return res
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &caseRun{c: c, phase: "start"}
	var f *failure
	if c.REST {
		f = r.runREST(cctx)
	} else {
		f = r.run(cctx)
	}
	if f == nil && cctx.Err() != nil {
		f = &failure{kind: "timeout", detail: "context ended"}
	}
	if f != nil && cctx.Err() != nil && f.kind != "timeout" {
		f = &failure{kind: "timeout", detail: fmt.Sprintf("no result within %s (during %s): %s", timeout, r.phase, f)}
	}
	res.Duration = time.Since(start)
	if f == nil {
		res.Status = Pass
		return res
	}
	if gap := knownGap(c); gap != "" {
		res.Status, res.Reason, res.Cause = Skip, gap, gap
		return res
	}
	res.Status = Fail
	res.Reason = f.String()
	res.Cause = f.cause()
	if gap := KnownGap(c.Name); gap != "" {
		res.Cause = gap
	}
	return res
}

// failure is why a case failed: a kind (the cause group) and a detail.
type failure struct {
	kind   string
	detail string
	// group, when set, replaces the normalised detail in the cause.
	group string
}

func (f *failure) String() string { return f.kind + ": " + f.detail }

func (f *failure) cause() string {
	if f.group != "" {
		return f.kind + ": " + f.group
	}
	switch f.kind {
	case "statement error", "wrong error", "processing error", "runner", "timeout":
		return f.kind + ": " + normalizeMessage(f.detail)
	}
	return f.kind
}

func failf(kind, format string, args ...any) *failure {
	return &failure{kind: kind, detail: fmt.Sprintf(format, args...)}
}

// caseRun is the state of one case while it runs.
type caseRun struct {
	c     *Case
	phase string
	eng   *exec.Engine
	io    *kafkaIO

	logMu sync.Mutex
	perrs []string // processing-log messages and query failures
}

// logf receives the engine's operational log; it keeps the record-level
// errors, which are how processing failures surface.
func (r *caseRun) logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasPrefix(msg, "processing log:") && !strings.Contains(msg, " failed: ") {
		return
	}
	r.logMu.Lock()
	if len(r.perrs) < 100 {
		r.perrs = append(r.perrs, msg)
	}
	r.logMu.Unlock()
}

func (r *caseRun) processingErrors() []string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return append([]string(nil), r.perrs...)
}

func (r *caseRun) run(ctx context.Context) *failure {
	eng, err := exec.NewEngine(ctx, exec.Config{Ephemeral: true, Logf: r.logf, Properties: noRecordCache,
		// ksqlDB's test driver's service id and query numbering: expected
		// internal topic names carry both.
		ServiceID: "some.ksql.service.id", QueryIDsByQuery: true})
	if err != nil {
		return failf("runner", "start engine: %v", err)
	}
	r.eng = eng
	defer closeEngine(eng)
	r.io, err = dialIO(eng.BrokerAddr())
	if err != nil {
		return failf("runner", "%v", err)
	}
	defer r.io.close()

	r.phase = "topic set-up"
	// ksqlDB's runner parses the statements as one script, one per line, so
	// error positions count lines across statements and a syntax error
	// anywhere fails the case before anything runs.
	parsed, parseErr := parser.Parse(strings.Join(r.c.Statements, "\n"))
	if f := r.createTopics(ctx, parsed); f != nil {
		return f
	}

	r.phase = "statements"
	sess := exec.NewSession()
	defer sess.Close()
	for k, v := range r.c.Properties {
		sess.Properties[k] = v
	}
	// Queries see every record of their inputs, as under ksqlDB's test driver.
	if _, ok := sess.Properties["auto.offset.reset"]; !ok {
		sess.Properties["auto.offset.reset"] = "earliest"
	}
	if parseErr != nil {
		return r.statementError("parse", parseErr)
	}
	for i, st := range parsed {
		results, err := eng.ExecuteStatement(ctx, sess, st)
		for _, res := range results {
			// Nothing reads a push query's rows here; stop it.
			if res.Kind == exec.ResultStream && res.Cancel != nil {
				res.Cancel()
			}
		}
		if err != nil {
			return r.statementError(fmt.Sprintf("statement %d", i+1), err)
		}
	}

	r.phase = "inputs"
	if f := r.produceInputs(ctx); f != nil {
		return f
	}
	r.phase = "waiting for queries"
	if err := eng.WaitIdle(ctx); err != nil {
		return failf("timeout", "waiting for queries to finish: %v", err)
	}

	if exp := r.c.Expected; exp != nil {
		perrs := r.processingErrors()
		for _, m := range perrs {
			if matchError(exp, m, ast.RuntimeError, true) == "" {
				return nil
			}
		}
		detail := fmt.Sprintf("expected %s %s, but every statement succeeded", sqltest.ShortClass(exp.Type), quote(exp.Message))
		if len(perrs) > 0 {
			detail += "; processing errors: " + quote(perrs[0])
		}
		return &failure{kind: "expected error not raised", detail: detail}
	}

	r.phase = "outputs"
	if f := r.checkOutputs(ctx); f != nil {
		return f
	}
	r.phase = "post-conditions"
	return r.checkPost(ctx)
}

// closeEngine closes the engine but gives up waiting after a while, so a
// stuck query cannot stall the whole run.
func closeEngine(e *exec.Engine) {
	done := make(chan struct{})
	go func() {
		e.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// statementError judges a statement's error (where says which) against
// expectedException.
func (r *caseRun) statementError(where string, err error) *failure {
	exp := r.c.Expected
	if exp == nil {
		return &failure{kind: "statement error", detail: fmt.Sprintf("%s: %v", where, err),
			group: normalizeMessage(err.Error())}
	}
	cat, hasCat := categoryOf(err)
	if why := matchError(exp, err.Error(), cat, hasCat); why != "" {
		return &failure{kind: "wrong error", detail: fmt.Sprintf("%s: %s", where, why),
			group: normalizeMessage(err.Error())}
	}
	return nil
}

// driverPartitions is the partition count ksqlDB's test driver gives the
// topics it infers from CREATE statements, inputs and outputs (a topics[]
// entry without partitions gets one).
const driverPartitions = 4

// createTopics creates the topics of topics[] (with one partition unless it
// says otherwise), of plain CREATE statements and of inputs and outputs, as
// ksqlDB's runner does; except topics that a statement creates itself (a
// C*AS sink, or a CREATE with PARTITIONS), which must get the statement's
// settings.
//
// The topics the case does not size get one partition, which keeps the
// single-task order of ksqlDB's TopologyTestDriver (several partitions
// reorder records across keys). A case that sizes some topic beyond one
// partition is about partitioning, and its joins compare partition counts
// (joins - table join pipeline joins a 4-partition sink to an unsized
// table): there the unsized topics get ksqlDB's driverPartitions.
func (r *caseRun) createTopics(ctx context.Context, parsed []ast.Statement) *failure {
	claimed := map[string]bool{}
	var declared []string // topics of plain CREATEs without PARTITIONS
	unsized := 1
	for _, st := range parsed {
		cs, ok := st.(*ast.CreateSource)
		if !ok {
			continue
		}
		topic := cs.Name
		if v, ok := cs.Props.Get("KAFKA_TOPIC"); ok {
			if s, ok := v.(string); ok {
				topic = s
			}
		}
		parts, hasParts := cs.Props.Get("PARTITIONS")
		if n, ok := parts.(int64); ok && n > 1 {
			unsized = driverPartitions
		}
		if cs.AsSelect != nil || hasParts {
			claimed[topic] = true
		} else {
			declared = append(declared, topic)
		}
	}
	for _, t := range r.c.Topics {
		if t.Partitions > 1 {
			unsized = driverPartitions
		}
	}
	done := map[string]bool{}
	for _, t := range r.c.Topics {
		if t.Name == "" || done[t.Name] {
			continue
		}
		done[t.Name] = true
		if err := r.io.createTopic(ctx, t.Name, t.Partitions); err != nil {
			return failf("runner", "%v", err)
		}
	}
	names := declared
	for _, rec := range r.c.Inputs {
		names = append(names, rec.Topic)
	}
	for _, rec := range r.c.Outputs {
		names = append(names, rec.Topic)
	}
	for _, name := range names {
		if done[name] || claimed[name] {
			continue
		}
		done[name] = true
		if err := r.io.createTopic(ctx, name, unsized); err != nil {
			return failf("runner", "%v", err)
		}
	}
	return nil
}

// sourceFor picks the catalog source whose formats describe topic. With
// several, inputs prefer a source that no query writes (the declared
// input), outputs the sink of a query.
func sourceFor(cat *catalog.Catalog, topic string, sink bool) *catalog.Source {
	sinks := map[string]bool{}
	for _, q := range cat.Queries() {
		sinks[q.Sink] = true
	}
	var cands []*catalog.Source
	for _, kind := range []ast.SourceKind{ast.Stream, ast.Table} {
		for _, s := range cat.Sources(kind) {
			if s.Topic == topic {
				cands = append(cands, s)
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		return (sinks[cands[i].Name] == sink) && (sinks[cands[j].Name] != sink)
	})
	if len(cands) == 0 {
		return nil
	}
	return cands[0]
}

// produceInputs writes the inputs, in list order, to partition 0 of their
// topics, serialized with the formats of the source declared over each.
func (r *caseRun) produceInputs(ctx context.Context) *failure {
	if len(r.c.Inputs) == 0 {
		return nil
	}
	cat := r.eng.Catalog()
	recs := make([]*kgo.Record, 0, len(r.c.Inputs))
	topics := map[string]bool{}
	for i, in := range r.c.Inputs {
		src := sourceFor(cat, in.Topic, false)
		kr, err := inputRecord(&in, src)
		if err != nil {
			return failf("runner", "input %d (topic %s): %v", i+1, in.Topic, err)
		}
		recs = append(recs, kr)
		topics[in.Topic] = true
	}
	if len(topics) == 1 {
		if err := r.io.produce(ctx, recs); err != nil {
			return failf("runner", "%v", err)
		}
		return nil
	}
	// Inputs spread over several topics: feed them one at a time so that
	// queries see them in list order across topics, as the test driver does.
	for _, kr := range recs {
		if err := r.io.produce(ctx, []*kgo.Record{kr}); err != nil {
			return failf("runner", "%v", err)
		}
		if err := r.eng.WaitIdle(ctx); err != nil {
			return failf("timeout", "waiting for queries after an input: %v", err)
		}
	}
	return nil
}

func inputRecord(in *Record, src *catalog.Source) (*kgo.Record, error) {
	ks, vs := keySide(src), valueSide(src)
	key, err := ks.encode(in.Key)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if w := in.Window; w != nil {
		if key == nil {
			key = []byte{}
		}
		if w.Type == "session" {
			key = serde.EncodeSessionWindowKey(key, w.Start, w.End)
		} else {
			key = serde.EncodeTimeWindowKey(key, w.Start)
		}
	}
	val, err := vs.encode(in.Value)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	var ts int64
	if in.Timestamp != nil {
		ts = *in.Timestamp
	}
	kr := &kgo.Record{Topic: in.Topic, Partition: 0, Key: key, Value: val, Timestamp: time.UnixMilli(ts)}
	for _, h := range in.Headers {
		kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	return kr, nil
}

// checkOutputs compares each topic named in outputs with what is on it.
func (r *caseRun) checkOutputs(ctx context.Context) *failure {
	if len(r.c.Outputs) == 0 {
		return nil
	}
	var order []string
	byTopic := map[string][]Record{}
	for _, o := range r.c.Outputs {
		if _, ok := byTopic[o.Topic]; !ok {
			order = append(order, o.Topic)
		}
		byTopic[o.Topic] = append(byTopic[o.Topic], o)
	}
	got, err := r.io.readAll(ctx, order)
	if err != nil {
		return failf("runner", "%v", err)
	}
	cat := r.eng.Catalog()
	for _, topic := range order {
		src := sourceFor(cat, topic, true)
		exp, act := byTopic[topic], got[topic]
		if f := compareTopic(topic, exp, act, src, len(r.c.Inputs) == 0); f != nil {
			if perrs := r.processingErrors(); len(perrs) > 0 {
				f.detail += "; first processing error: " + quote(perrs[0])
				if f.kind == "output count" || f.kind == "no output" {
					f.kind, f.group = "processing error", normalizeMessage(procMessage(perrs[0]))
				}
			}
			return f
		}
	}
	return nil
}

// procMessage strips the engine's log framing off a processing error.
func procMessage(s string) string {
	s = strings.TrimPrefix(s, "processing log: ")
	if strings.HasPrefix(s, "query ") {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	if i := strings.LastIndex(s, " (topic "); i >= 0 {
		s = s[:i]
	}
	return s
}

// compareTopic compares one topic's records with the expected ones.
// noInputs relaxes expected timestamps of 0 (data from INSERT VALUES).
func compareTopic(topic string, exp []Record, act []*kgo.Record, src *catalog.Source, noInputs bool) *failure {
	ks, vs := keySide(src), valueSide(src)
	if len(act) != len(exp) {
		kind := "output count"
		if len(act) == 0 {
			kind = "no output"
		}
		return failf(kind, "topic %s: expected %d records, got %d%s", topic, len(exp), len(act), listRecords(act, ks, vs, exp))
	}
	for i := range exp {
		if f := compareRecord(&exp[i], act[i], ks, vs, noInputs); f != nil {
			f.detail = fmt.Sprintf("topic %s record %d of %d: %s", topic, i+1, len(exp), f.detail)
			return f
		}
	}
	return nil
}

func compareRecord(e *Record, a *kgo.Record, ks, vs side, noInputs bool) *failure {
	key := a.Key
	if w := e.Window; w != nil {
		var start, end int64
		var err error
		if w.Type == "session" {
			key, start, end, err = serde.DecodeSessionWindowKey(a.Key)
		} else {
			key, start, err = serde.DecodeTimeWindowKey(a.Key)
			end = w.End // not stored for time windows
		}
		if err != nil {
			return failf("output key", "windowed key: %v", err)
		}
		if start != w.Start || end != w.End {
			return failf("output window", "expected window [%d, %d), got [%d, %d)", w.Start, w.End, start, end)
		}
		if len(key) == 0 && e.Key == nil {
			key = nil
		}
	}
	akey, kt, err := ks.decode(key)
	if err != nil {
		return failf("output key", "%v", err)
	}
	if d := compareValue(e.Key, akey, kt, ""); d != "" {
		return failf("output key", "%s", d)
	}
	aval, vt, err := vs.decode(a.Value)
	if err != nil {
		return failf("output value", "%v", err)
	}
	if e.Value == nil && a.Value != nil && aval != nil {
		return failf("output value", "expected a tombstone, got %s", render(aval))
	}
	if d := compareValue(e.Value, aval, vt, ""); d != "" {
		return failf("output value", "%s", d)
	}
	if e.Timestamp != nil && !(noInputs && *e.Timestamp == 0) {
		if got := a.Timestamp.UnixMilli(); got != *e.Timestamp {
			return failf("output timestamp", "expected timestamp %d, got %d", *e.Timestamp, got)
		}
	}
	var hs []Header
	for _, h := range a.Headers {
		hs = append(hs, Header{Key: h.Key, Value: h.Value})
	}
	if d := compareHeaders(e.Headers, hs); d != "" {
		return failf("output headers", "%s", d)
	}
	return nil
}

// listRecords shows up to a few actual and expected records for a count
// mismatch.
func listRecords(act []*kgo.Record, ks, vs side, exp []Record) string {
	const max = 4
	var sb strings.Builder
	if len(act) > 0 {
		sb.WriteString("; got")
		for i, a := range act {
			if i == max {
				sb.WriteString(" ...")
				break
			}
			k, _, _ := ks.decode(a.Key)
			v, _, err := vs.decode(a.Value)
			if err != nil {
				v = string(a.Value)
			}
			fmt.Fprintf(&sb, " {key %s, value %s}", render(k), render(v))
		}
	}
	if len(exp) > 0 {
		sb.WriteString("; expected")
		for i, e := range exp {
			if i == max {
				sb.WriteString(" ...")
				break
			}
			fmt.Fprintf(&sb, " {key %s, value %s}", render(e.Key), render(e.Value))
		}
	}
	return sb.String()
}

// checkPost checks post.sources and post.topics.
func (r *caseRun) checkPost(ctx context.Context) *failure {
	p := r.c.Post
	if p == nil {
		return nil
	}
	cat := r.eng.Catalog()
	for _, ps := range p.Sources {
		src := cat.Source(ps.Name)
		if src == nil {
			src = cat.Source(strings.ToUpper(ps.Name))
		}
		if src == nil {
			return failf("post source missing", "source %s does not exist", ps.Name)
		}
		if f := checkSource(&ps, src); f != nil {
			return f
		}
	}
	if p.Blacklist == "" && len(p.Topics) == 0 {
		return nil
	}
	topics, err := r.io.topics(ctx)
	if err != nil {
		return failf("runner", "%v", err)
	}
	if p.Blacklist != "" {
		re, err := regexp.Compile("^(?:" + p.Blacklist + ")$")
		if err != nil {
			return failf("runner", "blacklist %q: %v", p.Blacklist, err)
		}
		for name := range topics {
			if re.MatchString(name) {
				return failf("post topic blacklisted", "topic %s matches blacklist %s", name, p.Blacklist)
			}
		}
	}
	for _, pt := range p.Topics {
		n, ok := topics[pt.Name]
		if !ok {
			return failf("post topic missing", "topic %s does not exist", pt.Name)
		}
		if pt.Partitions > 0 && n != pt.Partitions {
			return failf("post topic partitions", "topic %s: expected %d partitions, got %d", pt.Name, pt.Partitions, n)
		}
		src := sourceFor(cat, pt.Name, true)
		if src == nil {
			continue
		}
		if pt.KeyFormat != "" && !strings.EqualFold(pt.KeyFormat, src.KeyFormat.Format) {
			return failf("post topic format", "topic %s: expected key format %s, got %s", pt.Name, pt.KeyFormat, src.KeyFormat.Format)
		}
		if pt.ValueFormat != "" && !strings.EqualFold(pt.ValueFormat, src.ValueFormat.Format) {
			return failf("post topic format", "topic %s: expected value format %s, got %s", pt.Name, pt.ValueFormat, src.ValueFormat.Format)
		}
	}
	return nil
}

func checkSource(ps *PostSource, src *catalog.Source) *failure {
	if ps.Type != "" && !strings.EqualFold(ps.Type, src.Kind.String()) {
		return failf("post source type", "%s: expected %s, got %s", ps.Name, strings.ToUpper(ps.Type), src.Kind)
	}
	if ps.Schema != "" {
		want, err := NormalizeSchema(ps.Schema)
		if err != nil {
			return failf("runner", "%s: expected schema %q: %v", ps.Name, ps.Schema, err)
		}
		kw := "KEY"
		if src.Kind == ast.Table {
			kw = "PRIMARY KEY"
		}
		text := src.Schema.String(kw)
		got, err := NormalizeSchema(text)
		if err != nil {
			got = text
		}
		// ksqlDB's expected schemas write table keys as KEY or PRIMARY KEY.
		if strings.ReplaceAll(got, " PRIMARY KEY", " KEY") != strings.ReplaceAll(want, " PRIMARY KEY", " KEY") {
			return failf("post source schema", "%s: expected schema %s, got %s", ps.Name, want, got)
		}
	}
	if kf := ps.KeyFormat; kf != nil {
		if kf.Format != "" && !strings.EqualFold(kf.Format, src.KeyFormat.Format) {
			return failf("post source key format", "%s: expected key format %s, got %s", ps.Name, kf.Format, src.KeyFormat.Format)
		}
		if f := checkWindow(ps.Name, kf, src.Window); f != nil {
			return f
		}
	}
	if ps.ValueFormat != "" && !strings.EqualFold(ps.ValueFormat, src.ValueFormat.Format) {
		return failf("post source value format", "%s: expected value format %s, got %s", ps.Name, ps.ValueFormat, src.ValueFormat.Format)
	}
	if ps.HasKeyFeat {
		if got := features(keySide(src)); !sameSet(got, ps.KeyFeatures) {
			return failf("post source key features", "%s: expected key features %v, got %v", ps.Name, ps.KeyFeatures, got)
		}
	}
	if ps.HasValueFeat {
		if got := features(valueSide(src)); !sameSet(got, ps.ValueFeatures) {
			return failf("post source value features", "%s: expected value features %v, got %v", ps.Name, ps.ValueFeatures, got)
		}
	}
	if ps.IsSource != nil && *ps.IsSource != src.ReadOnly {
		return failf("post source isSource", "%s: expected isSource %v, got %v", ps.Name, *ps.IsSource, src.ReadOnly)
	}
	return nil
}

// checkWindow compares an expected windowed key format (type, and size for
// time windows when given) with the source's window.
func checkWindow(name string, kf *KeyFormat, w *ast.Window) *failure {
	if kf.WindowType == "" {
		return nil
	}
	if w == nil {
		return failf("post source key format", "%s: expected a %s-windowed key, the source is not windowed", name, kf.WindowType)
	}
	if got := strings.ToUpper(w.Type.String()); got != kf.WindowType {
		return failf("post source key format", "%s: expected a %s-windowed key, got %s", name, kf.WindowType, got)
	}
	if kf.WindowSize != nil && w.Type != ast.Session && *kf.WindowSize != w.Size.Milliseconds() {
		return failf("post source key format", "%s: expected window size %d ms, got %d", name, *kf.WindowSize, w.Size.Milliseconds())
	}
	return nil
}

// features lists the serde features ksqlDB reports for a side: an explicit
// WRAP_SINGLE_VALUE, and UNWRAP_SINGLES for a single key column in a format
// that could wrap it.
func features(s side) []string {
	if w := s.opts.WrapSingleValue; w != nil {
		if *w {
			return []string{"WRAP_SINGLES"}
		}
		return []string{"UNWRAP_SINGLES"}
	}
	if s.isKey && len(s.cols) == 1 && s.format == "JSON" {
		return []string{"UNWRAP_SINGLES"}
	}
	return []string{}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[strings.ToUpper(x)]++
	}
	for _, x := range b {
		m[strings.ToUpper(x)]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

var (
	reLinePrefix = regexp.MustCompile(`line \d+:\d+: `)
	reSingle     = regexp.MustCompile(`(^|[^A-Za-z])'[^']*'`)
	reDouble     = regexp.MustCompile(`"[^"]*"`)
	reBacktick   = regexp.MustCompile("`[^`]*`")
	reNumber     = regexp.MustCompile(`\b\d+\b`)
	reQueryID    = regexp.MustCompile(`\b(CSAS|CTAS|INSERTQUERY)_\w+`)
	reSpaces     = regexp.MustCompile(`\s+`)
)

// normalizeMessage reduces an error message to a groupable shape: first
// line, no position, quoted names and numbers replaced.
func normalizeMessage(s string) string {
	s = procMessage(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = reLinePrefix.ReplaceAllString(s, "")
	s = reSingle.ReplaceAllString(s, "$1'_'")
	s = reDouble.ReplaceAllString(s, `"_"`)
	s = reBacktick.ReplaceAllString(s, "`_`")
	s = reQueryID.ReplaceAllString(s, "QUERY")
	s = reNumber.ReplaceAllString(s, "N")
	s = reSpaces.ReplaceAllString(strings.TrimSpace(s), " ")
	return clip(s, 140)
}

// noRecordCache makes aggregations emit every update, as ksqlDB's test
// driver does (cache.max.bytes.buffering=0): expected outputs list them all.
var noRecordCache = map[string]string{"cache.max.bytes.buffering": "0"}
