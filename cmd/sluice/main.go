// Command sluice is Sluice's single binary: the interactive shell, a headless
// runner for SQL files, a development Kafka broker and the SQL regression
// test runner. This file holds flags and wiring only.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/server"
	"github.com/sluicedb/sluice/shell"
	"github.com/sluicedb/sluice/tests/conformance"
	"github.com/sluicedb/sluice/tests/sqltest"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// gcPercent is the garbage collector target the binary runs with unless
// GOGC is set: a stream processor allocates a little per record, all of it
// short-lived, so trading some heap for fewer collections pays (about a
// tenth less CPU per record in bench/). The benchmark applies the same.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli carries the process's streams so that subcommands stay testable.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

const usage = `Sluice: streaming SQL on Kafka.

Usage:
  sluice [shell] [flags]          interactive shell (reads statements from stdin when it is not a terminal)
  sluice run FILE.sql [flags]     run a SQL file, then keep its persistent queries running until SIGINT/SIGTERM
  sluice server [flags]           run the ksqlDB-compatible REST server (default 127.0.0.1:8088)
  sluice broker [flags]           run a standalone development Kafka broker
  sluice test [flags] FILE...     run SQL regression files (--@test: format) or ksqlDB QTT files (.json)
  sluice version                  print the version

Run 'sluice COMMAND --help' for the flags of a command.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	cmd := "shell"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	switch cmd {
	case "shell":
		return c.shell(args)
	case "run":
		return c.runFile(args)
	case "broker":
		return c.broker(args)
	case "server":
		return c.server(args)
	case "test":
		return c.test(args)
	case "version":
		return c.version(args)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "sluice: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// newFlagSet makes a FlagSet whose --help prints the command's synopsis,
// description and flags.
func (c *cli) newFlagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n", synopsis, about)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags that may come before or after positional arguments
// (sluice run FILE --ephemeral). It returns the positionals, or an exit code
// >= 0 when the process should stop (help: 0, bad flags: 2).
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(c.stdout)
				fs.Usage()
				return nil, 0
			}
			return nil, 2
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// engineFlags are the flags shared by the commands that start an engine.
type engineFlags struct {
	bootstrap  string
	dataDir    string
	ephemeral  bool
	configFile string
	props      propertyFlags
}

func (f *engineFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.bootstrap, "bootstrap", "", "Kafka bootstrap `servers` (host:port, comma-separated); empty starts the embedded broker")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for state and the embedded broker's log (default ~/.sluice/data)")
	fs.BoolVar(&f.ephemeral, "ephemeral", false, "keep everything in memory and a temporary directory, and forget it on exit")
	fs.StringVar(&f.configFile, "config", "", "server properties `file` (ksql-server.properties style: key=value lines, # comments), e.g. ksql.streams.processing.guarantee=exactly_once_v2")
	fs.Var(&f.props, "property", "a server property `key=value` (repeatable; wins over --config)")
}

func (f *engineFlags) config() (exec.Config, error) {
	cfg := exec.Config{Ephemeral: f.ephemeral}
	props, err := serverProperties(f.configFile, f.props)
	if err != nil {
		return cfg, err
	}
	cfg.Properties = props
	if f.bootstrap == "" {
		// As in ksql-server.properties; the flag wins.
		f.bootstrap = props["bootstrap.servers"]
	}
	cfg.ServiceID = props["ksql.service.id"] // sluice server's --service-id wins
	for _, b := range strings.Split(f.bootstrap, ",") {
		if b = strings.TrimSpace(b); b != "" {
			cfg.Bootstrap = append(cfg.Bootstrap, b)
		}
	}
	switch {
	case f.dataDir != "":
		cfg.DataDir = f.dataDir
	case !f.ephemeral:
		home, err := os.UserHomeDir()
		if err != nil {
			return cfg, fmt.Errorf("no --data-dir and no home directory: %w", err)
		}
		cfg.DataDir = filepath.Join(home, ".sluice", "data")
	}
	if cfg.DataDir != "" && !f.ephemeral {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return cfg, fmt.Errorf("data dir: %w", err)
		}
	}
	return cfg, nil
}

// startEngine starts an engine, or explains why it cannot. ctx is the
// process's lifetime (cancelled by SIGINT/SIGTERM).
func (c *cli) startEngine(ctx context.Context, f *engineFlags, logf func(string, ...any)) (*exec.Engine, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	cfg.Logf = logf
	eng, err := exec.NewEngine(ctx, cfg)
	if err != nil {
		if len(cfg.Bootstrap) > 0 {
			return nil, fmt.Errorf("connecting to Kafka at %s: %w", strings.Join(cfg.Bootstrap, ","), err)
		}
		return nil, fmt.Errorf("starting the engine: %w", err)
	}
	return eng, nil
}

func (c *cli) logf(format string, args ...any) {
	fmt.Fprintf(c.stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

func (c *cli) shell(args []string) int {
	fs := c.newFlagSet("shell", "sluice [shell] [--bootstrap host:port | --server URL] [--data-dir DIR] [--ephemeral] [--history FILE]",
		`Starts the interactive shell. Statements end with ';' and may span lines.
Ctrl-C clears the line or stops a running push query; Ctrl-D, exit or quit leaves.
When stdin is not a terminal, statements are read from it without prompts and the
exit code is 1 if any statement failed (sluice < script.sql).`)
	var ef engineFlags
	ef.register(fs)
	history := fs.String("history", "", "history `file` (default ~/.sluice_history)")
	serverURL := fs.String("server", "", "use the Sluice or ksqlDB server at `URL` (e.g. http://127.0.0.1:8088) through its REST API")
	user := fs.String("user", "", "basic-auth `user` for --server")
	password := fs.String("password", "", "basic-auth `password` for --server")
	pos, code := c.parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(c.stderr, "sluice shell: unexpected argument %q (to run a file: sluice run FILE, or sluice < FILE)\n", pos[0])
		return 2
	}

	interactive := c.stdin == io.Reader(os.Stdin) && shell.IsTerminal()
	// In the interactive shell Ctrl-C belongs to the shell (see
	// RunInteractive); only SIGTERM ends the process.
	stopSigs := []os.Signal{syscall.SIGINT, syscall.SIGTERM}
	if interactive {
		stopSigs = stopSigs[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSigs...)
	defer stop()

	var ex shell.Executor
	where := "embedded broker"
	if *serverURL != "" {
		ex = &shell.Remote{Base: *serverURL, User: *user, Password: *password}
		where = "server " + *serverURL
	} else {
		eng, err := c.startEngine(ctx, &ef, nil)
		if err != nil {
			fmt.Fprintf(c.stderr, "sluice: %v\n", err)
			return 1
		}
		defer func() {
			if err := eng.Close(); err != nil {
				fmt.Fprintf(c.stderr, "sluice: closing: %v\n", err)
			}
		}()
		ex = eng
		if a := eng.BrokerAddr(); a != "" {
			where += " at " + a
		}
		if ef.bootstrap != "" {
			where = "Kafka at " + ef.bootstrap
		}
	}

	if !interactive {
		sh := shell.New(ex, c.stdout, c.stderr)
		failed, err := sh.RunScript(ctx, c.stdin)
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(c.stderr, "sluice: %v\n", err)
			return 1
		}
		if failed > 0 || err != nil {
			return 1
		}
		return 0
	}

	hist := *history
	if hist == "" {
		if home, err := os.UserHomeDir(); err == nil {
			hist = filepath.Join(home, ".sluice_history")
		}
	}
	sh := shell.New(ex, c.stdout, c.stdout)
	banner := fmt.Sprintf("Sluice %s: streaming SQL on Kafka (%s).\nEnd statements with ';'. Ctrl-C stops a query, Ctrl-D or exit leaves.", version, where)
	if err := sh.RunInteractive(ctx, shell.InteractiveConfig{HistoryFile: hist, Banner: banner}); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(c.stderr, "sluice: %v\n", err)
		return 1
	}
	return 0
}

func (c *cli) runFile(args []string) int {
	fs := c.newFlagSet("run", "sluice run FILE.sql [--bootstrap host:port] [--data-dir DIR] [--ephemeral]",
		`Runs the statements of FILE.sql (CREATE, INSERT, SET ...), printing their results, then
keeps the persistent queries running until SIGINT or SIGTERM, and stops cleanly.
The exit code is 1 if a statement failed (nothing is left running then).`)
	var ef engineFlags
	ef.register(fs)
	pos, code := c.parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(c.stderr, "sluice run: expected exactly one FILE.sql")
		fs.Usage()
		return 2
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice run: %v\n", err)
		return 1
	}
	defer f.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	eng, err := c.startEngine(ctx, &ef, c.logf)
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice: %v\n", err)
		return 1
	}
	code = 0
	sh := shell.New(eng, c.stdout, c.stderr)
	failed, err := sh.RunScript(ctx, f)
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		fmt.Fprintf(c.stderr, "sluice run: %v\n", err)
		code = 1
	case failed > 0:
		fmt.Fprintf(c.stderr, "sluice run: %d statement(s) of %s failed; stopping\n", failed, pos[0])
		code = 1
	case err == nil:
		fmt.Fprintf(c.stderr, "sluice run: %s done; queries are running (SIGINT or SIGTERM stops them)\n", pos[0])
		<-ctx.Done()
		fmt.Fprintln(c.stderr, "sluice run: stopping")
	}
	if err := eng.Close(); err != nil {
		fmt.Fprintf(c.stderr, "sluice run: closing: %v\n", err)
		code = 1
	}
	return code
}

func (c *cli) broker(args []string) int {
	fs := c.newFlagSet("broker", "sluice broker [--listen 127.0.0.1:9092] [--data-dir DIR]",
		`Runs a standalone single-node Kafka-compatible development broker (kfake) until
SIGINT or SIGTERM. Point sluice --bootstrap, or any Kafka client, at it.`)
	listen := fs.String("listen", "127.0.0.1:9092", "`host:port` to listen on (port 0 picks a free one)")
	dataDir := fs.String("data-dir", "", "directory that keeps topics and offsets across restarts (default: in memory)")
	pos, code := c.parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(c.stderr, "sluice broker: unexpected argument %q\n", pos[0])
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Listen: *listen, DataDir: *dataDir})
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice broker: %v\n", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "Broker listening on %s\n", b.Addr())
	<-ctx.Done()
	fmt.Fprintln(c.stderr, "sluice broker: stopping")
	b.Close()
	return 0
}

func (c *cli) server(args []string) int {
	fs := c.newFlagSet("server", "sluice server [--listen 127.0.0.1:8088] [--bootstrap host:port] [--data-dir DIR] [--ephemeral] [--service-id ID] [--broker-listen host:port] [--user U --password P] [--node-id ID] [--advertised-url URL] [--session-timeout D] [--tls-cert F --tls-key F]",
		`Runs the ksqlDB-compatible REST API (HTTP/1.1 and unencrypted HTTP/2 on one port:
/ksql, /query, /query-stream, /close-query, /inserts-stream, /info, /healthcheck,
/status, and Prometheus metrics on /metrics) until SIGINT or SIGTERM, then stops
the queries and shuts down cleanly.
Without --bootstrap it runs an embedded broker, reachable by other Kafka clients
when --broker-listen is given; servers that join it with --bootstrap and the same
--service-id share its persistent queries.`)
	var ef engineFlags
	ef.register(fs)
	listen := fs.String("listen", "127.0.0.1:8088", "`host:port` the REST API listens on (port 0 picks a free one)")
	serviceID := fs.String("service-id", "", "ksql.service.id: prefix of internal topics and consumer groups (default \"default_\")")
	brokerListen := fs.String("broker-listen", "", "expose the embedded broker on `host:port` (without --bootstrap only)")
	user := fs.String("user", "", "require HTTP basic auth with this `user` (needs --password)")
	password := fs.String("password", "", "the basic auth `password`")
	nodeID := fs.String("node-id", "", "this server's `id` among those sharing --service-id (default: kept in the data dir)")
	advertise := fs.String("advertised-url", "", "the `URL` other servers reach this one at, to forward pull queries (default: http:// and the listen address)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate `file` (needs --tls-key)")
	tlsKey := fs.String("tls-key", "", "the PEM private key `file` of --tls-cert")
	session := fs.Duration("session-timeout", 10*time.Second, "how long the other servers wait for a silent one before taking over its partitions")
	pos, code := c.parse(fs, args)
	if code >= 0 {
		return code
	}
	switch {
	case len(pos) > 0:
		fmt.Fprintf(c.stderr, "sluice server: unexpected argument %q\n", pos[0])
		return 2
	case (*user == "") != (*password == ""):
		fmt.Fprintln(c.stderr, "sluice server: --user and --password go together")
		return 2
	case (*tlsCert == "") != (*tlsKey == ""):
		fmt.Fprintln(c.stderr, "sluice server: --tls-cert and --tls-key go together")
		return 2
	case *brokerListen != "" && ef.bootstrap != "":
		fmt.Fprintln(c.stderr, "sluice server: --broker-listen is for the embedded broker; it cannot go with --bootstrap")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := ef.config()
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice server: %v\n", err)
		return 1
	}
	if *serviceID != "" {
		cfg.ServiceID = *serviceID
	}
	cfg.Logf = c.logf
	cfg.NodeID, cfg.SessionTimeout = *nodeID, *session
	// Listen before the engine starts: its group membership advertises
	// the address, which port 0 only settles here.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice server: %v\n", err)
		return 1
	}
	defer ln.Close()
	cfg.AdvertisedURL = *advertise
	scheme, client := "http://", http.DefaultClient
	if *tlsCert != "" {
		// The servers of a cluster share a certificate (or its CA): trust it
		// when forwarding pull queries to each other.
		scheme = "https://"
		if client, err = trusting(*tlsCert); err != nil {
			fmt.Fprintf(c.stderr, "sluice server: %v\n", err)
			return 1
		}
	}
	if cfg.AdvertisedURL == "" {
		cfg.AdvertisedURL = scheme + ln.Addr().String()
	}
	cfg.ForwardPull = server.Forwarder(client, *user, *password)
	// As ksqlDB's server images do, the server registers the processing
	// log as the KSQL_PROCESSING_LOG stream, unless configured otherwise.
	if _, ok := cfg.Properties["ksql.logging.processing.stream.auto.create"]; !ok {
		cfg.Properties["ksql.logging.processing.stream.auto.create"] = "true"
	}
	if *brokerListen != "" {
		// The engine starts its embedded broker on a private port; to expose
		// it, start it here and connect to it as to any broker. Other
		// servers may then join with --bootstrap and the same --service-id,
		// so this one shares work as any server does: it follows the
		// command topic and its queries join consumer groups (direct
		// assignment, which embedded mode uses to start queries without a
		// rebalance, would make every server run every partition).
		bc := kafka.BrokerConfig{Listen: *brokerListen}
		if !cfg.Ephemeral {
			bc.DataDir = cfg.DataDir
		}
		b, err := kafka.StartBroker(bc)
		if err != nil {
			fmt.Fprintf(c.stderr, "sluice server: %v\n", err)
			return 1
		}
		defer b.Close()
		cfg.Bootstrap = []string{b.Addr()}
		fmt.Fprintf(c.stdout, "Broker listening on %s\n", b.Addr())
	}
	eng, err := exec.NewEngine(ctx, cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice server: starting the engine: %v\n", err)
		return 1
	}
	defer eng.Close()
	srv := server.New(eng, server.Config{Listen: *listen, User: *user, Password: *password,
		Version: version, ServiceID: *serviceID, Logf: c.logf, CertFile: *tlsCert, KeyFile: *tlsKey})
	fmt.Fprintf(c.stdout, "Server listening on %s%s\n", scheme, ln.Addr())
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintf(c.stderr, "sluice server: %v\n", err)
		return 1
	}
	fmt.Fprintln(c.stderr, "sluice server: stopped")
	return 0
}

// trusting returns an HTTP client that trusts the system's CAs and the
// certificates in the PEM file certFile.
func trusting(certFile string) (*http.Client, error) {
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--tls-cert %s: no PEM certificate", certFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr}, nil
}

func (c *cli) test(args []string) int {
	fs := c.newFlagSet("test", "sluice test [-run REGEX] [-v] [-timeout D] [-json FILE] FILE.sql|FILE.json...",
		`Runs SQL regression files: cases start at '--@test: name' lines and may declare
'--@expected.error: <class>' and '--@expected.message: <text>'. Each case runs on a
fresh in-memory engine. Prints one line per failing case, then 'N passed, M failed';
the exit code is 1 if any case failed.

Files ending in .json are ksqlDB query-validation (QTT) cases, such as
../shared/conformance/ksql/qtt/*.json: they are expanded over their format and
config matrices and end with 'N passed, M failed, K skipped'. REST cases (RQTT,
../shared/conformance/ksql/rqtt/*.json) run through the REST API of a server
started for each case.`)
	jsonOut := fs.String("json", "", "with .json files: write a per-case report to `FILE`")
	runExpr := fs.String("run", "", "run only the cases whose name matches `REGEX`")
	verbose := fs.Bool("v", false, "print passing and skipped cases too")
	timeout := fs.Duration("timeout", sqltest.DefaultTimeout, "time limit of one case")
	pos, code := c.parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(c.stderr, "sluice test: no files given")
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var sqlFiles, qttFiles []string
	for _, f := range pos {
		if strings.HasSuffix(f, ".json") {
			qttFiles = append(qttFiles, f)
		} else {
			sqlFiles = append(sqlFiles, f)
		}
	}
	if len(qttFiles) > 0 {
		if len(sqlFiles) > 0 {
			fmt.Fprintln(c.stderr, "sluice test: give either .sql or .json files, not both")
			return 2
		}
		return c.testQTT(ctx, qttFiles, *runExpr, *timeout, *jsonOut, *verbose)
	}
	filter, err := sqltest.NewFilter(*runExpr)
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice test: %v\n", err)
		return 2
	}
	sum := sqltest.RunFiles(ctx, c.stdout, pos, sqltest.Options{
		Runner:  &sqltest.Runner{Timeout: *timeout},
		Filter:  filter,
		Verbose: *verbose,
	})
	if sum.Failed > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}

// testQTT runs ksqlDB QTT files through the conformance runner.
func (c *cli) testQTT(ctx context.Context, files []string, filter string, timeout time.Duration, jsonOut string, verbose bool) int {
	opts := conformance.Options{Filter: filter, Timeout: timeout}
	if verbose {
		opts.Progress = func(r conformance.CaseResult) {
			fmt.Fprintf(c.stdout, "%s %s\n", r.Status, r.Name)
		}
	}
	rep, err := conformance.RunFiles(ctx, files, opts)
	if err != nil {
		fmt.Fprintf(c.stderr, "sluice test: %v\n", err)
		return 2
	}
	if jsonOut != "" {
		f, err := os.Create(jsonOut)
		if err == nil {
			err = rep.WriteJSON(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "sluice test: %v\n", err)
			return 2
		}
	}
	fmt.Fprint(c.stdout, rep.Summary())
	if rep.Totals().Failed > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}

func (c *cli) version(args []string) int {
	fs := c.newFlagSet("version", "sluice version", "Prints the version of sluice and of the Go toolchain that built it.")
	if _, code := c.parse(fs, args); code >= 0 {
		return code
	}
	fmt.Fprintf(c.stdout, "sluice %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
