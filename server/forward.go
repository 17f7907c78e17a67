package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/sluicedb/sluice/exec"
)

// Forwarder returns how this server sends pull queries to the other servers
// of its cluster: POST /query, as ksqlDB's servers forward to each other,
// with the same basic-auth credentials it requires itself.
func Forwarder(client *http.Client, user, password string) exec.PullForwarder {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context, url, sql string, props map[string]string) ([][]json.RawMessage, error) {
		body, err := json.Marshal(map[string]any{"ksql": sql, "streamsProperties": props})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(url, "/")+"/query", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", ctKsqlV1)
		req.Header.Set("Accept", ctKsqlV1)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(b, &e) == nil && e.Message != "" {
				return nil, fmt.Errorf("%s: %s", resp.Status, e.Message)
			}
			return nil, fmt.Errorf("%s", resp.Status)
		}
		var items []struct {
			Row *struct {
				Columns []json.RawMessage `json:"columns"`
			} `json:"row"`
			ErrorMessage *struct {
				Message string `json:"message"`
			} `json:"errorMessage"`
		}
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, fmt.Errorf("reading the answer: %w", err)
		}
		var rows [][]json.RawMessage
		for _, it := range items {
			if it.ErrorMessage != nil {
				return nil, fmt.Errorf("%s", it.ErrorMessage.Message)
			}
			if it.Row != nil {
				rows = append(rows, it.Row.Columns)
			}
		}
		return rows, nil
	}
}
