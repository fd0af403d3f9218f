package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server timeouts: the whole request (a 64 MiB import body included) must
// arrive within ReadTimeout; a response must be written within
// WriteTimeout, which exceeds the longest handler deadline.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 5 * time.Minute
	WriteTimeout      = LongTimeout + 30*time.Second
	IdleTimeout       = 2 * time.Minute
	// MaxHeaderBytes is the limit on a request's header that the Server
	// enforces with a JSON 431 reply; net/http's own limit
	// (transportHeaderBytes) is higher, so that only headers over it get
	// net/http's plain-text 431, written before any handler runs.
	MaxHeaderBytes       = 64 << 10
	transportHeaderBytes = 1 << 20
	// ShutdownGrace is how long a shutdown waits for requests in flight.
	ShutdownGrace = LongTimeout + 30*time.Second
)

// Serve serves s on ln until ctx is cancelled (SIGINT or SIGTERM in
// revshare serve), then stops accepting connections, marks /healthz as
// shutting down and waits up to ShutdownGrace for requests in flight to
// finish. Requests do not inherit ctx: cancelling it does not cut them off.
// Serve closes s (its background work) before it returns.
func Serve(ctx context.Context, ln net.Listener, s *Server) error {
	defer s.Close()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    transportHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.SetReady(false)
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
