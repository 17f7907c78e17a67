// Package server is Sluice's ksqlDB-compatible REST API: /ksql for
// statements, /query and /query-stream for push queries, /inserts-stream,
// /close-query, /info, /healthcheck and /status. It speaks HTTP/1.1 and
// unencrypted HTTP/2 (h2c, prior knowledge) on one port, and talks to the
// engine only through the exec facade.
package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedb/sluice/exec"
)

// Config configures a Server. Zero fields take the defaults below.
type Config struct {
	// Listen is the host:port ListenAndServe binds (default 127.0.0.1:8088).
	Listen string
	// User and Password, when User is set, require HTTP basic auth on every
	// endpoint.
	User, Password string
	// MaxBodyBytes limits a request body, and one line of /inserts-stream
	// (default 1 MiB).
	MaxBodyBytes int64
	// MaxStatements limits the statements of one /ksql request (default 1000).
	MaxStatements int
	// Version is reported by /info (default "dev").
	Version string
	// ServiceID is reported by /info as ksqlServiceId (default "default_").
	ServiceID string
	// ShutdownTimeout bounds how long ListenAndServe waits for requests to
	// finish once its context ends (default 10s).
	ShutdownTimeout time.Duration
	// CertFile and KeyFile, when set, make Serve speak HTTPS (HTTP/1.1 and
	// HTTP/2 by ALPN) with this PEM certificate (chain) and key.
	CertFile, KeyFile string
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
}

const (
	defaultListen        = "127.0.0.1:8088"
	defaultMaxBodyBytes  = 1 << 20
	defaultMaxStatements = 1000
)

// Server serves the REST API for one engine. It is safe for concurrent use.
type Server struct {
	eng *exec.Engine
	cfg Config

	// ready is closed once ListenAndServe is listening; addr is then set.
	ready chan struct{}
	addr  atomic.Value // string

	cmdSeq   atomic.Int64
	mu       sync.Mutex
	commands map[string]commandStatus // commandId -> last status
	cmdOrder []string
	queries  map[string]func() // running push queries: id -> cancel
}

type commandStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// New returns a server for engine. The engine stays owned by the caller,
// who closes it after the server has stopped.
func New(engine *exec.Engine, cfg Config) *Server {
	if cfg.Listen == "" {
		cfg.Listen = defaultListen
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.MaxStatements <= 0 {
		cfg.MaxStatements = defaultMaxStatements
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.ServiceID == "" {
		cfg.ServiceID = "default_"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Server{
		eng:      engine,
		cfg:      cfg,
		ready:    make(chan struct{}),
		commands: map[string]commandStatus{},
		queries:  map[string]func(){},
	}
}

// Handler returns the API's handler, with panic recovery and, when
// configured, basic auth in front of every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /ksql", requireJSON(http.HandlerFunc(s.handleKsql)))
	mux.Handle("POST /query", requireJSON(http.HandlerFunc(s.handleQuery)))
	mux.Handle("POST /query-stream", requireJSON(http.HandlerFunc(s.handleQueryStream)))
	mux.Handle("POST /close-query", requireJSON(http.HandlerFunc(s.handleCloseQuery)))
	mux.Handle("POST /inserts-stream", requireJSON(http.HandlerFunc(s.handleInsertsStream)))
	mux.HandleFunc("GET /info", s.handleInfo)
	mux.HandleFunc("GET /healthcheck", s.handleHealthcheck)
	mux.HandleFunc("GET /status", s.handleStatuses)
	mux.Handle("GET /metrics", metricsHandler(s.eng))
	mux.HandleFunc("GET /status/{type}/{entity}/{action}", s.handleStatus)
	// The mux answers unknown routes in plain text; answer in JSON as
	// ksqlDB does, keeping 405 apart from 404.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		for _, m := range []string{"GET", "POST"} {
			r2.Method = m
			if _, pattern := mux.Handler(r2); pattern != "" {
				w.Header().Set("Allow", m)
				writeJSON(w, r, http.StatusMethodNotAllowed, genericError(codeMethodNotAllowed, "Method not allowed: "+r.Method+" "+r.URL.Path))
				return
			}
		}
		writeJSON(w, r, http.StatusNotFound, genericError(codeNotFound, "Not found: "+r.Method+" "+r.URL.Path))
	})
	return recoverPanics(s.auth(h), s.cfg.Logf)
}

// ListenAndServe serves on cfg.Listen over HTTP/1.1 and h2c until ctx ends,
// then stops push queries and shuts down, waiting up to ShutdownTimeout.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener, which it closes.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var protos http.Protocols
	protos.SetHTTP1(true)
	tlsOn := s.cfg.CertFile != ""
	if tlsOn {
		protos.SetHTTP2(true)
	} else {
		protos.SetUnencryptedHTTP2(true)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		Protocols:         &protos,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.addr.Store(ln.Addr().String())
	close(s.ready)
	errc := make(chan error, 1)
	go func() {
		if tlsOn {
			errc <- srv.ServeTLS(ln, s.cfg.CertFile, s.cfg.KeyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	// Push queries never end on their own: stop them so that Shutdown does
	// not wait for their handlers until the timeout.
	s.cancelQueries()
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// Addr waits until the server listens and returns its address.
func (s *Server) Addr(ctx context.Context) (string, error) {
	select {
	case <-s.ready:
		return s.addr.Load().(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *Server) auth(next http.Handler) http.Handler {
	if s.cfg.User == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.cfg.User)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(s.cfg.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="sluice"`)
			writeJSON(w, r, http.StatusUnauthorized, genericError(codeUnauthorized, "Unauthorized"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler panic into a 500 (when nothing has been
// written yet) instead of a dropped connection, and logs it.
func recoverPanics(next http.Handler, logf func(string, ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec) // net/http's own way to abort a response
			}
			logf("server: panic serving %s %s: %v", r.Method, r.URL.Path, rec)
			if !tw.wrote {
				writeJSON(w, r, http.StatusInternalServerError, genericError(50000, fmt.Sprintf("internal error: %v", rec)))
			}
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter records whether a response has started, so the recover
// middleware knows whether it can still send an error.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and EnableFullDuplex.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, map[string]any{
		"KsqlServerInfo": map[string]any{
			"version":        s.cfg.Version,
			"kafkaClusterId": s.clusterID(r.Context()),
			"ksqlServiceId":  s.cfg.ServiceID,
			"serverStatus":   "RUNNING",
		},
	})
}

// clusterID is the Kafka cluster's id as the broker reports it; "" when the
// broker cannot be asked (healthcheck reports that).
func (s *Server) clusterID(ctx context.Context) string {
	id, err := s.eng.ClusterID(ctx)
	if err != nil {
		return ""
	}
	return id
}

func (s *Server) handleHealthcheck(w http.ResponseWriter, r *http.Request) {
	// Listing topics proves the broker answers; the catalog is in memory.
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	_, kerr := s.eng.Execute(ctx, exec.NewSession(), "SHOW TOPICS;")
	kafkaOK := kerr == nil
	status := http.StatusOK
	if !kafkaOK {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, r, status, map[string]any{
		"isHealthy": kafkaOK,
		"details": map[string]any{
			"metastore":     map[string]any{"isHealthy": true},
			"kafka":         map[string]any{"isHealthy": kafkaOK},
			"commandRunner": map[string]any{"isHealthy": true},
		},
	})
}

func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make(map[string]string, len(s.commands))
	for id, st := range s.commands {
		out[id] = st.Status
	}
	s.mu.Unlock()
	writeJSON(w, r, http.StatusOK, map[string]any{"commandStatuses": out})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("type") + "/" + r.PathValue("entity") + "/" + r.PathValue("action")
	s.mu.Lock()
	st, ok := s.commands[id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, r, http.StatusNotFound, genericError(codeNotFound, "Command not found: "+id))
		return
	}
	writeJSON(w, r, http.StatusOK, st)
}

// recordCommand stores a command's status for /status and returns its
// sequence number.
func (s *Server) recordCommand(id string, st commandStatus) int64 {
	seq := s.cmdSeq.Add(1) - 1
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.commands[id]; !ok {
		s.cmdOrder = append(s.cmdOrder, id)
	}
	s.commands[id] = st
	// Keep the table bounded: a long-lived server runs many commands.
	const maxCommands = 10000
	for len(s.cmdOrder) > maxCommands {
		delete(s.commands, s.cmdOrder[0])
		s.cmdOrder = s.cmdOrder[1:]
	}
	return seq
}

func (s *Server) addQuery(id string, cancel func()) {
	s.mu.Lock()
	s.queries[id] = cancel
	s.mu.Unlock()
}

func (s *Server) removeQuery(id string) {
	s.mu.Lock()
	delete(s.queries, id)
	s.mu.Unlock()
}

// closeQuery cancels a running push query; false if there is none.
func (s *Server) closeQuery(id string) bool {
	s.mu.Lock()
	cancel, ok := s.queries[id]
	delete(s.queries, id)
	s.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

func (s *Server) cancelQueries() {
	s.mu.Lock()
	qs := s.queries
	s.queries = map[string]func(){}
	s.mu.Unlock()
	for _, c := range qs {
		c()
	}
}
