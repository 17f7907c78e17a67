package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// Servers sharing a service id share each persistent query's partitions
// through the query's consumer group. Each server publishes its REST
// address in its group membership; a pull query reads the partitions this
// server owns and forwards the query, restricted to the others, to their
// owners, as ksqlDB does.

// PullForwarder sends a pull query to the server at url with the given
// request properties and returns its rows, one JSON value per column.
type PullForwarder func(ctx context.Context, url, sql string, props map[string]string) ([][]json.RawMessage, error)

// PullPartitionsProperty is the request property of a forwarded pull query:
// the partitions (comma-separated) the receiving server answers from its
// own state, without forwarding again (ksqlDB's internal request property).
const PullPartitionsProperty = "request.ksql.query.pull.partitions"

// nodeIDFile keeps a server's node id in its data dir.
const nodeIDFile = "node-id"

// loadNodeID settles the node id: the configured one, else the one kept in
// the data dir (written there on first start).
func (e *Engine) loadNodeID() error {
	if e.cfg.NodeID != "" || e.cfg.DataDir == "" || e.cfg.Ephemeral {
		return nil
	}
	path := filepath.Join(e.cfg.DataDir, nodeIDFile)
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		e.cfg.NodeID = strings.TrimSpace(string(b))
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read node id: %w", err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	id := hex.EncodeToString(r[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return fmt.Errorf("write node id: %w", err)
	}
	e.cfg.NodeID = id
	return nil
}

// instanceID is this server's static group member id ("" for dynamic
// membership).
func (e *Engine) instanceID() string {
	if e.cfg.NodeID == "" {
		return ""
	}
	return e.cfg.ServiceID + "node_" + e.cfg.NodeID
}

// groupConfig is how a persistent query joins its consumer group.
func (e *Engine) groupConfig(q *runningQuery, group string, topics []string, earliest bool) kafka.GroupConfig {
	return kafka.GroupConfig{
		Group: group, Topics: topics, Earliest: earliest,
		InstanceID:     e.instanceID(),
		SessionTimeout: e.cfg.SessionTimeout,
		UserData:       []byte(e.cfg.AdvertisedURL),
		OnAssigned: func(topic string, parts []int32) {
			if topic == q.stateTopic() {
				q.assign(parts, true)
			}
		},
		OnRevoked: func(topic string, parts []int32) {
			if topic == q.stateTopic() {
				q.assign(parts, false)
			}
		},
	}
}

// stateTopic is the input whose partitions decide where a task's state
// lives: the repartition topic when there is one (appended last), else the
// source.
func (q *runningQuery) stateTopic() string { return q.topics[len(q.topics)-1] }

// assign records partitions given to (or taken from) this server. Revoked
// partitions' tasks are closed by the loop goroutine (closeRevoked).
func (q *runningQuery) assign(parts []int32, owned bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.owned == nil {
		q.owned, q.revoked = map[int32]bool{}, map[int32]bool{}
	}
	for _, p := range parts {
		if owned {
			q.owned[p] = true
		} else {
			delete(q.owned, p)
			q.revoked[p] = true
		}
	}
}

// ownedPartitions lists the partitions this server holds, sorted.
func (q *runningQuery) ownedPartitions() []int32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]int32, 0, len(q.owned))
	for p := range q.owned {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// closeRevoked closes the tasks of partitions taken away since the last
// call: their state was flushed by the commit that let the rebalance
// proceed; they are checkpointed and closed, so that if the partition comes
// back its task restores what the other owner wrote in between. Called by
// the loop goroutine only.
func (e *Engine) closeRevoked(q *runningQuery, tasks *taskSet, log *changelogs) {
	q.mu.Lock()
	var closing []*task
	for p := range q.revoked {
		if t := tasks.tasks[p]; t != nil && !q.owned[p] {
			closing = append(closing, t)
			delete(tasks.tasks, p)
		}
	}
	clear(q.revoked)
	q.mu.Unlock()
	if len(closing) == 0 {
		return
	}
	if log != nil {
		if err := e.checkpoint(closing, log); err != nil {
			e.logf("query %s: checkpoint of revoked tasks: %v", q.id, err)
		}
	}
	closeTasks(closing)
}

// pullRoute says where a pull query's partitions are read: local ones from
// this server's tasks, the others (by owner URL) by forwarding.
type pullRoute struct {
	local  []int32
	remote map[string][]int32
}

// routePull decides which server answers for each partition of q's state.
// keyParts, when not nil, are the only partitions the query can touch.
func (e *Engine) routePull(ctx context.Context, s *Session, q *runningQuery, partitions int, keyParts []int32) (pullRoute, error) {
	all := keyParts
	if all == nil {
		for p := range int32(partitions) {
			all = append(all, p)
		}
	}
	if e.cfg.DirectAssignment {
		return pullRoute{local: all}, nil
	}
	if v, ok := s.Properties[PullPartitionsProperty]; ok {
		// A forwarded request: answer for the partitions asked, if they are
		// still ours.
		var r pullRoute
		owned := q.ownedPartitions()
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			p, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				return r, fmt.Errorf("bad %s %q", PullPartitionsProperty, v)
			}
			if !slices.Contains(owned, int32(p)) {
				return r, fmt.Errorf("partition %d of query %s is not served by this server", p, q.id)
			}
			r.local = append(r.local, int32(p))
		}
		return r, nil
	}
	if e.cfg.ForwardPull == nil {
		return pullRoute{local: intersect(all, q.ownedPartitions())}, nil
	}
	// During a rebalance partitions have no owner for a moment: wait for
	// the group to settle, as a key lookup must not silently miss.
	deadline := time.Now().Add(2 * e.sessionTimeout())
	for {
		r, missing, err := e.tryRoute(ctx, q, all)
		if err != nil || len(missing) == 0 {
			return r, err
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return r, fmt.Errorf("pull query: partitions %v of query %s have no owner (the servers are rebalancing)", missing, q.id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *Engine) sessionTimeout() time.Duration {
	if e.cfg.SessionTimeout > 0 {
		return e.cfg.SessionTimeout
	}
	return 10 * time.Second
}

func (e *Engine) tryRoute(ctx context.Context, q *runningQuery, all []int32) (r pullRoute, missing []int32, err error) {
	owned := q.ownedPartitions()
	members, err := e.client.GroupMembers(ctx, e.groupID(q.id))
	if err != nil {
		return r, nil, err
	}
	owner := map[int32]string{}
	for _, m := range members {
		for _, p := range m.Assigned[q.stateTopic()] {
			owner[p] = string(m.UserData)
		}
	}
	r.remote = map[string][]int32{}
	for _, p := range all {
		url := owner[p]
		switch {
		case slices.Contains(owned, p) && (url == "" || url == e.cfg.AdvertisedURL):
			r.local = append(r.local, p)
		case url == "" || url == e.cfg.AdvertisedURL:
			// Assigned to us by the group but not yet taken up, or to no one.
			missing = append(missing, p)
		default:
			r.remote[url] = append(r.remote[url], p)
		}
	}
	return r, missing, nil
}

func intersect(a, b []int32) []int32 {
	var out []int32
	for _, p := range a {
		if slices.Contains(b, p) {
			out = append(out, p)
		}
	}
	return out
}

// forwardPull asks each remote owner for its partitions' rows and decodes
// them as the pull query's output columns.
func (e *Engine) forwardPull(ctx context.Context, sql string, plan *planner.PullPlan, remote map[string][]int32) ([][]any, error) {
	if len(remote) == 0 {
		return nil, nil
	}
	codec, err := serde.NewValueCodec(serde.JSON, plan.Output.Columns, serde.Options{})
	if err != nil {
		return nil, fmt.Errorf("pull query: decoding forwarded rows: %w", err)
	}
	urls := make([]string, 0, len(remote))
	for url := range remote {
		urls = append(urls, url)
	}
	slices.Sort(urls)
	var out [][]any
	for _, url := range urls {
		parts := make([]string, len(remote[url]))
		for i, p := range remote[url] {
			parts[i] = strconv.Itoa(int(p))
		}
		rows, err := e.cfg.ForwardPull(ctx, url, sql, map[string]string{PullPartitionsProperty: strings.Join(parts, ",")})
		if err != nil {
			return nil, fmt.Errorf("pull query forwarded to %s: %w", url, err)
		}
		for _, raw := range rows {
			row, err := decodeForwarded(codec, plan.Output.Columns, raw)
			if err != nil {
				return nil, fmt.Errorf("pull query forwarded to %s: %w", url, err)
			}
			out = append(out, row)
		}
	}
	return out, nil
}

// decodeForwarded types a forwarded row by reading it as a JSON object of
// the output columns, with the codec a JSON value of those columns uses.
func decodeForwarded(codec serde.Codec, cols []types.Column, raw []json.RawMessage) ([]any, error) {
	if len(raw) != len(cols) {
		return nil, fmt.Errorf("row of %d columns, expected %d", len(raw), len(cols))
	}
	b := []byte{'{'}
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(c.Name)
		b = append(append(append(b, name...), ':'), raw[i]...)
	}
	return codec.Decode(append(b, '}'))
}
