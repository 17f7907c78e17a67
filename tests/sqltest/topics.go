package sqltest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ksqlDB's sql-tests runner creates the topic of a CREATE STREAM/TABLE that
// names no PARTITIONS (one partition), as its test driver owns the cluster;
// the corpus relies on it. The engine rightly refuses to invent topics, so
// the runner does it, on the engine's embedded broker.

var (
	createSourceRe = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?(STREAM|TABLE)\b`)
	asSelectRe     = regexp.MustCompile(`(?is)\bAS\s+SELECT\b`)
	kafkaTopicRe   = regexp.MustCompile(`(?is)\bKAFKA_TOPIC\s*=\s*'((?:[^']|'')*)'`)
	partitionsRe   = regexp.MustCompile(`(?is)\bPARTITIONS\s*=`)
)

// topicToCreate returns the topic a statement needs to exist beforehand, or
// "" when it needs none.
func topicToCreate(stmt string) string {
	if !createSourceRe.MatchString(stmt) || asSelectRe.MatchString(stmt) || partitionsRe.MatchString(stmt) {
		return ""
	}
	m := kafkaTopicRe.FindStringSubmatch(stmt)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "''", "'")
}

// topicMaker creates topics on one broker, connecting on first use.
type topicMaker struct {
	addr string
	cl   *kgo.Client
	adm  *kadm.Client
}

func (m *topicMaker) ensure(ctx context.Context, topic string) error {
	if m.addr == "" {
		return nil
	}
	if m.adm == nil {
		cl, err := kgo.NewClient(kgo.SeedBrokers(m.addr))
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", m.addr, err)
		}
		m.cl, m.adm = cl, kadm.NewClient(cl)
	}
	resp, err := m.adm.CreateTopics(ctx, 1, 1, nil, topic)
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	for _, r := range resp {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating topic %s: %w", topic, r.Err)
		}
	}
	return nil
}

func (m *topicMaker) close() {
	if m.cl != nil {
		m.cl.Close()
	}
}
