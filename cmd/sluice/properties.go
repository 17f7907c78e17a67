package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// propertyFlags collects repeated --property key=value flags, in order.
type propertyFlags []string

func (p *propertyFlags) String() string { return strings.Join(*p, ",") }

func (p *propertyFlags) Set(v string) error {
	if _, _, err := splitProperty(v); err != nil {
		return err
	}
	*p = append(*p, v)
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
	for _, p := range props {
		k, v, _ := splitProperty(p) // checked by Set
		out[k] = v
	}
	return out, nil
}
