// Package state is the storage layer of stateful queries: key-value, window
// and session stores, the task's write-back cache, changelogs and restore.
// It knows nothing of SQL and nothing of Kafka: keys and values are bytes,
// and changelog records leave through the Changelog interface.
//
// # Layers
//
// From the processor down, per task:
//
//	WindowStore / SessionStore      typed API; encodes keys (keys.go)
//	cache.Store                     write-back cache (state/cache), feeds the Changelog on flush
//	Segmented                       window/session keys spread over time segments
//	KeyValueStore                   mem.Store (state/mem) or rocks.Store (state/rocks)
//
// A plain key-value store (tables, aggregates) skips the typed and
// segmented layers. Without the cache, Logged feeds the changelog on every
// write instead. mem and rocks pass one conformance suite (state/storetest),
// random operations compared against the in-memory reference.
//
// Key encodings are documented in keys.go: window key = key ‖ start ‖ seq,
// session key = key ‖ end ‖ start, timestamps as sign-flipped big-endian so
// that byte order is numeric order, negative numbers included. Changelog
// records carry these encoded keys, so restoring a window store is replaying
// its changelog into its Segmented store.
//
// # Commit order
//
// The changelog topic is the durability log (RocksDB runs with its WAL off).
// A task commits in this order, which loses nothing if it crashes between
// any two steps:
//
//  1. cache.Flush: dirty entries go to the stores (memtables) and, one
//     Changelog.Append each, to the changelog producer.
//  2. Flush the producer and wait for every changelog record to be
//     acknowledged (also the task's output records).
//  3. Commit the input offsets.
//  4. Now and then (every commit, or every N): rocks.DB.WriteCheckpoint with
//     the changelog end offsets of step 2. It flushes the memtables to SST
//     files, then records the offsets durably.
//
// A crash before step 3 completes replays the uncommitted input; the
// changelog already holds every state change of committed input, because 2
// precedes 3. The checkpoint claims only what the SST files hold, because
// the flush precedes it; a stale checkpoint only lengthens restore.
//
// # Restore
//
// On start a task restores each store before processing: read the offsets
// of rocks.ReadCheckpoint (none: from the beginning), consume the store's
// changelog partition from there to its end offset, and feed the records to
// Restore (into the Segmented store for windows and sessions); then call
// Expire with the restored stream time. An in-memory store always restores
// from the beginning.
//
// Under at-least-once this is Kafka Streams' behaviour: after a crash the
// local SST files may hold writes newer than the checkpoint (a background
// memtable flush) whose input will be processed again. A task that needs
// exactly-once removes the checkpoint while it runs (RemoveCheckpoint) and,
// finding none at start, wipes the directory (rocks.Destroy) and restores
// everything.
//
// # Ownership and concurrency
//
// Stores copy what they are given and return read-only slices valid until
// the next write. Nothing here is safe for concurrent use: a task drives its
// cache and stores from one goroutine.
package state
