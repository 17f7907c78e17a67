// Package kafka is Sluice's only door to Kafka: the embedded development
// broker (kfake) and a small client facade over franz-go for admin, produce
// and consume. Nothing outside this package imports franz-go.
package kafka

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// BrokerConfig configures an embedded broker.
type BrokerConfig struct {
	// Listen is host:port to listen on; "" picks a free loopback port.
	Listen string
	// DataDir keeps topics, records and offsets across restarts; "" keeps
	// everything in memory.
	DataDir string
}

// Broker is an embedded single-node Kafka broker.
type Broker struct {
	c *kfake.Cluster
}

// brokerConfigs keep kfake from dropping records: retention is applied by
// event timestamp, and test data and replays carry old timestamps.
var brokerConfigs = map[string]string{
	"log.retention.ms":                  "-1",
	"log.cleaner.backoff.ms":            "30000",
	"group.consumer.session.timeout.ms": "10000",
}

// StartBroker starts an embedded broker.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.BrokerConfigs(brokerConfigs),
		kfake.DefaultNumPartitions(1),
		kfake.AllowAutoTopicCreation(),
		kfake.GroupMinSessionTimeout(time.Second),
	}
	addr := cfg.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: listen on %s: %w", addr, err)
	}
	used := false
	opts = append(opts, kfake.ListenFn(func(network, address string) (net.Listener, error) {
		if used {
			return nil, fmt.Errorf("embedded broker: only one listener")
		}
		used = true
		return ln, nil
	}))
	if cfg.DataDir != "" {
		dir := filepath.Join(cfg.DataDir, "kafka")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			ln.Close()
			return nil, fmt.Errorf("embedded broker: %w", err)
		}
		opts = append(opts, kfake.DataDir(dir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	return &Broker{c: c}, nil
}

// Addr is the broker's host:port.
func (b *Broker) Addr() string { return b.c.ListenAddrs()[0] }

// Compact runs log compaction now (tests).
func (b *Broker) Compact() { b.c.Compact() }

// Close stops the broker, persisting its state when it has a data dir.
func (b *Broker) Close() { b.c.Close() }
