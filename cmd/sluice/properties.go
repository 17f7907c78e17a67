package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// propertyFlags collects repeated --property key=value flags, in order.
type propertyFlags [][2]string

func (p *propertyFlags) String() string {
	kvs := make([]string, len(*p))
	for i, kv := range *p {
		kvs[i] = kv[0] + "=" + kv[1]
	}
	return strings.Join(kvs, ",")
}

func (p *propertyFlags) Set(v string) error {
	k, val, err := splitProperty(v)
	if err != nil {
		return err
	}
	*p = append(*p, [2]string{k, val})
	return nil
}

// splitProperty splits "key=value" (spaces around either trimmed); the
// value may be empty, the key may not.
func splitProperty(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", fmt.Errorf("expected key=value, got %q", s)
	}
	return k, strings.TrimSpace(v), nil
}

// readProperties reads a ksql-server.properties style file into props:
// one key=value per line; blank lines and lines starting with '#' or '!'
// are skipped. Later lines win. Keys are not checked against a list:
// ksqlDB passes ksql.streams.* and client settings through, and so do we.
func readProperties(path string, props map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			return fmt.Errorf("%s:%d: continued lines (ending in \\) are not supported", path, n)
		}
		k, v, err := splitProperty(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		props[k] = v
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// serverProperties merges the --config file and then the --property flags
// (later wins) into one map.
func serverProperties(configFile string, props propertyFlags) (map[string]string, error) {
	out := map[string]string{}
	if configFile != "" {
		if err := readProperties(configFile, out); err != nil {
			return nil, err
		}
	}
	for _, kv := range props {
		out[kv[0]] = kv[1]
	}
	return out, nil
}
