package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record is a Kafka record as Sluice sees it.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp int64 // ms since epoch
	Headers   []Header
}

// Header is one record header.
type Header struct {
	Key   string
	Value []byte
}

// TopicInfo describes a topic.
type TopicInfo struct {
	Name       string
	Partitions int
	Replicas   int
}

// ErrTopicExists is returned by CreateTopic when the topic is already there.
var ErrTopicExists = errors.New("topic already exists")

// ErrNoTopic is returned when a topic does not exist.
var ErrNoTopic = errors.New("topic does not exist")

// Client is a shared producer plus admin for one cluster. It is safe for
// concurrent use.
type Client struct {
	seeds []string
	cl    *kgo.Client // admin, single records (INSERT VALUES, commands): no linger
	bulk  *kgo.Client // query output: lingers to build bigger batches
	adm   *kadm.Client
}

// DialTimeout bounds how long Dial waits for a broker to answer.
const DialTimeout = 10 * time.Second

func baseOpts(seeds []string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.DialTimeout(3 * time.Second),
		kgo.RetryTimeout(DialTimeout),
		kgo.MetadataMinAge(250 * time.Millisecond),
	}
}

// Dial connects to the cluster and checks that a broker answers, so an
// unreachable broker is an error within DialTimeout rather than a hang.
func Dial(ctx context.Context, seeds []string) (*Client, error) {
	opts := append(baseOpts(seeds),
		kgo.ProducerLinger(0),
		kgo.RecordPartitioner(partitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(100000),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client for %s: %w", strings.Join(seeds, ","), err)
	}
	pctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := cl.Ping(pctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("cannot reach Kafka at %s: %w", strings.Join(seeds, ","), err)
	}
	bulk, err := kgo.NewClient(append(baseOpts(seeds),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(partitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(200000),
	)...)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka client for %s: %w", strings.Join(seeds, ","), err)
	}
	return &Client{seeds: seeds, cl: cl, bulk: bulk, adm: kadm.NewClient(cl)}, nil
}

// Seeds are the bootstrap servers.
func (c *Client) Seeds() []string { return c.seeds }

// Close releases the client.
func (c *Client) Close() {
	c.bulk.Close()
	c.cl.Close()
}

// CreateTopic creates a topic; ErrTopicExists when it is there already.
func (c *Client) CreateTopic(ctx context.Context, name string, partitions int, configs map[string]string) error {
	cfg := map[string]*string{}
	for k, v := range configs {
		v := v
		cfg[k] = &v
	}
	resp, err := c.adm.CreateTopic(ctx, int32(partitions), -1, cfg, name)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return ErrTopicExists
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	// Wait until metadata shows it, so a produce right after does not race.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if info, err := c.Topic(ctx, name); err == nil && info.Partitions == partitions {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// DeleteTopic deletes a topic.
func (c *Client) DeleteTopic(ctx context.Context, name string) error {
	resp, err := c.adm.DeleteTopics(ctx, name)
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	for _, r := range resp {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("delete topic %s: %w", name, r.Err)
		}
	}
	c.cl.PurgeTopicsFromClient(name)
	return nil
}

// TopicConfig returns the configuration the broker reports for a topic,
// defaults included; ErrNoTopic when it does not exist.
func (c *Client) TopicConfig(ctx context.Context, name string) (map[string]string, error) {
	return c.topicConfigs(ctx, name, false)
}

// TopicConfigs returns the configuration set on the topic itself (at
// creation or since), without the broker's defaults; ErrNoTopic when it
// does not exist.
func (c *Client) TopicConfigs(ctx context.Context, name string) (map[string]string, error) {
	return c.topicConfigs(ctx, name, true)
}

func (c *Client) topicConfigs(ctx context.Context, name string, ownOnly bool) (map[string]string, error) {
	rcs, err := c.adm.DescribeTopicConfigs(ctx, name)
	var rc kadm.ResourceConfig
	if err == nil {
		rc, err = rcs.On(name, nil)
	}
	if err == nil {
		err = rc.Err
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil, ErrNoTopic
	}
	if err != nil {
		return nil, fmt.Errorf("describe configs of topic %s: %w", name, err)
	}
	out := make(map[string]string, len(rc.Configs))
	for _, cfg := range rc.Configs {
		if cfg.Value != nil && (!ownOnly || cfg.Source == kmsg.ConfigSourceDynamicTopicConfig) {
			out[cfg.Key] = *cfg.Value
		}
	}
	return out, nil
}

// Topic describes one topic; ErrNoTopic when it does not exist.
func (c *Client) Topic(ctx context.Context, name string) (TopicInfo, error) {
	tds, err := c.adm.ListTopics(ctx, name)
	if err != nil {
		return TopicInfo{}, fmt.Errorf("describe topic %s: %w", name, err)
	}
	td, ok := tds[name]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return TopicInfo{}, ErrNoTopic
	}
	if td.Err != nil {
		return TopicInfo{}, fmt.Errorf("describe topic %s: %w", name, td.Err)
	}
	return topicInfo(td), nil
}

func topicInfo(td kadm.TopicDetail) TopicInfo {
	ti := TopicInfo{Name: td.Topic, Partitions: len(td.Partitions)}
	for _, p := range td.Partitions {
		ti.Replicas = len(p.Replicas)
		break
	}
	return ti
}

// Topics lists the topics of the cluster, sorted by name; internal topics
// (those starting with '_') only when all is set.
func (c *Client) Topics(ctx context.Context, all bool) ([]TopicInfo, error) {
	tds, err := c.adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var out []TopicInfo
	for _, td := range tds {
		if !all && (td.IsInternal || strings.HasPrefix(td.Topic, "_")) {
			continue
		}
		out = append(out, topicInfo(td))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// KeyPartition is the partition Kafka's default partitioner (murmur2, as
// Java clients) gives a record with this key among n partitions.
func KeyPartition(key []byte, n int) int32 {
	return int32(kgo.StickyKeyPartitioner(nil).ForTopic("").Partition(&kgo.Record{Key: key}, n))
}

type manualKey struct{}

// manualPartition marks records whose Partition was chosen by the caller.
var manualPartition = context.WithValue(context.Background(), manualKey{}, true)

// partitioner keeps a caller's partition and otherwise hashes the key with
// murmur2 as Java clients do, so keyed records land where Kafka Streams and
// ksqlDB would put them (joins and tables depend on it).
func partitioner() kgo.Partitioner {
	sticky := kgo.StickyKeyPartitioner(nil)
	return kgo.BasicConsistentPartitioner(func(topic string) func(*kgo.Record, int) int {
		tp := sticky.ForTopic(topic)
		return func(r *kgo.Record, n int) int {
			if r.Context == manualPartition && int(r.Partition) < n {
				return int(r.Partition)
			}
			return tp.Partition(r, n)
		}
	})
}

// Produce writes one record and waits for the broker's ack. A Partition of
// -1 lets the default (murmur2, as Java's) partitioner choose.
func (c *Client) Produce(ctx context.Context, r *Record) (int32, int64, error) {
	kr := toKgo(r)
	res := c.cl.ProduceSync(ctx, kr)
	if err := res.FirstErr(); err != nil {
		return 0, 0, fmt.Errorf("produce to %s: %w", r.Topic, err)
	}
	return kr.Partition, kr.Offset, nil
}

// MaxRecordBytes is the largest record (key, value and headers) the engine
// produces: franz-go's default maximum batch size (1,000,012 bytes, below
// Kafka's default message.max.bytes of 1,048,588) less room for the batch
// and record framing. The producer fails a larger record.
const MaxRecordBytes = 1_000_012 - 1024

// Producer queues records with one shared completion callback, so the hot
// path allocates no closure per record. The kgo records it hands to the
// client are recycled once acknowledged (the client is done with a record
// when its promise has run), so queuing a record allocates nothing.
type Producer struct {
	kcl     *kgo.Client // the client records are queued on
	promise func(*kgo.Record, error)
	free    sync.Pool // of *kgo.Record
}

// Producer returns a producer whose failures are reported to onErr. It is
// safe for concurrent use.
func (c *Client) Producer(onErr func(error)) *Producer {
	return newProducer(c.bulk, onErr)
}

func newProducer(kcl *kgo.Client, onErr func(error)) *Producer {
	p := &Producer{kcl: kcl}
	p.promise = func(kr *kgo.Record, err error) {
		if err != nil {
			onErr(err)
		}
		*kr = kgo.Record{}
		p.free.Put(kr)
	}
	return p
}

// Produce queues r. r itself is not retained after the call, but its Key,
// Value and header values are, until the record is acknowledged: the caller
// must not modify them.
func (p *Producer) Produce(ctx context.Context, r *Record) {
	kr, _ := p.free.Get().(*kgo.Record)
	if kr == nil {
		kr = new(kgo.Record)
	}
	fillKgo(kr, r)
	p.kcl.Produce(ctx, kr, p.promise)
}

// Flush waits for every queued record to be acked.
func (c *Client) Flush(ctx context.Context) error {
	if err := c.bulk.Flush(ctx); err != nil {
		return err
	}
	return c.cl.Flush(ctx)
}

func toKgo(r *Record) *kgo.Record {
	kr := new(kgo.Record)
	fillKgo(kr, r)
	return kr
}

// fillKgo sets the zero record kr from r.
func fillKgo(kr *kgo.Record, r *Record) {
	kr.Topic, kr.Key, kr.Value, kr.Partition = r.Topic, r.Key, r.Value, r.Partition
	kr.Timestamp = time.UnixMilli(r.Timestamp)
	if r.Partition >= 0 {
		kr.Context = manualPartition
	}
	if len(r.Headers) > 0 {
		kr.Headers = make([]kgo.RecordHeader, len(r.Headers))
		for i, h := range r.Headers {
			kr.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
}

func fromKgo(kr *kgo.Record) Record {
	r := Record{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset, Key: kr.Key, Value: kr.Value,
		Timestamp: kr.Timestamp.UnixMilli()}
	for _, h := range kr.Headers {
		r.Headers = append(r.Headers, Header{Key: h.Key, Value: h.Value})
	}
	return r
}

// Offsets maps partition to offset for one topic.
type Offsets map[int32]int64

// EndOffsets returns the next offset to be written per partition.
func (c *Client) EndOffsets(ctx context.Context, topic string) (Offsets, error) {
	return c.listOffsets(ctx, topic, c.adm.ListEndOffsets)
}

// StableEndOffsets returns the last stable offset per partition: the end
// a read_committed consumer can reach while a transaction is open.
func (c *Client) StableEndOffsets(ctx context.Context, topic string) (Offsets, error) {
	return c.listOffsets(ctx, topic, c.adm.ListCommittedOffsets)
}

// StartOffsets returns the first readable offset per partition.
func (c *Client) StartOffsets(ctx context.Context, topic string) (Offsets, error) {
	return c.listOffsets(ctx, topic, c.adm.ListStartOffsets)
}

func (c *Client) listOffsets(ctx context.Context, topic string, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (Offsets, error) {
	lo, err := list(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	if err := lo.Error(); err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("%s: %w", topic, ErrNoTopic)
		}
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := Offsets{}
	lo.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// CommittedOffsets returns a group's committed offsets for a topic.
func (c *Client) CommittedOffsets(ctx context.Context, group, topic string) (Offsets, error) {
	resp, err := c.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return Offsets{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetch offsets of group %s: %w", group, err)
	}
	out := Offsets{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out, nil
}

// CommitOffsets commits offsets for a group (used to position a new query).
func (c *Client) CommitOffsets(ctx context.Context, group, topic string, offs Offsets) error {
	os := kadm.Offsets{}
	for p, o := range offs {
		os.Add(kadm.Offset{Topic: topic, Partition: p, At: o, LeaderEpoch: -1})
	}
	resp, err := c.adm.CommitOffsets(ctx, group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", group, err)
	}
	return nil
}

// ClusterID asks the cluster for its id.
func (c *Client) ClusterID(ctx context.Context) (string, error) {
	m, err := c.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("cluster metadata: %w", err)
	}
	return m.Cluster, nil
}

// DeleteGroup removes a consumer group (after TERMINATE).
func (c *Client) DeleteGroup(ctx context.Context, group string) {
	_, _ = c.adm.DeleteGroups(ctx, group)
}
