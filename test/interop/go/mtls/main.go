// Command mtls is a real go-spiffe v2 mTLS peer (spiffetls) for tspire's interop tests. Both roles
// take their X509-SVID and bundle from a Workload API socket through workloadapi.X509Source.
//
//	mtls -mode server -socket S -authorize ID [-count N]
//	    listens on 127.0.0.1:0, prints {"listening":"host:port","own_id":...}, then for each of N
//	    connections reads one line, answers "hello <peer id>" and prints {"peer_id":...,"received":...}.
//	mtls -mode client -socket S -authorize ID -addr host:port
//	    dials, sends "ping from <own id>", prints {"own_id":...,"peer_id":...,"reply":...}.
//
// Errors are printed as {"error":...} and exit 1.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func main() {
	mode := flag.String("mode", "", "server or client")
	socket := flag.String("socket", "", "Workload API UNIX socket path")
	authorize := flag.String("authorize", "", "the SPIFFE ID the peer must present")
	addr := flag.String("addr", "", "server address (client mode)")
	count := flag.Int("count", 1, "connections to serve before exiting (server mode)")
	timeout := flag.Duration("timeout", 20*time.Second, "overall deadline")
	flag.Parse()

	peerID, err := spiffeid.FromString(*authorize)
	if err != nil || *socket == "" {
		fail(fmt.Errorf("-socket and a valid -authorize are required: %v", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	source, err := workloadapi.NewX509Source(ctx, workloadapi.WithClientOptions(workloadapi.WithAddr("unix://"+*socket)))
	if err != nil {
		fail(fmt.Errorf("x509 source: %w", err))
	}
	defer source.Close()
	own, err := source.GetX509SVID()
	if err != nil {
		fail(err)
	}
	authorizer := tlsconfig.AuthorizeID(peerID)
	switch *mode {
	case "server":
		serve(ctx, source, authorizer, own.ID.String(), *count)
	case "client":
		dial(ctx, source, authorizer, own.ID.String(), *addr)
	default:
		fail(fmt.Errorf("-mode must be server or client, got %q", *mode))
	}
}

func serve(ctx context.Context, source *workloadapi.X509Source, authorizer tlsconfig.Authorizer, ownID string, count int) {
	listener, err := spiffetls.ListenWithMode(ctx, "tcp", "127.0.0.1:0", spiffetls.MTLSServerWithSource(authorizer, source))
	if err != nil {
		fail(err)
	}
	defer listener.Close()
	emit(map[string]string{"listening": listener.Addr().String(), "own_id": ownID})
	go func() { // the overall deadline also ends a pending Accept
		<-ctx.Done()
		_ = listener.Close()
	}()
	for i := 0; i < count; i++ {
		conn, err := listener.Accept()
		if err != nil {
			fail(err)
		}
		handle(conn)
	}
}

// handle answers one connection; a handshake that the authorizer rejects is reported, not fatal.
func handle(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		emit(map[string]string{"conn_error": err.Error()})
		return
	}
	peer, err := spiffetls.PeerIDFromConn(conn)
	if err != nil {
		emit(map[string]string{"conn_error": err.Error()})
		return
	}
	if _, err := fmt.Fprintf(conn, "hello %s\n", peer); err != nil {
		emit(map[string]string{"conn_error": err.Error()})
		return
	}
	emit(map[string]string{"peer_id": peer.String(), "received": strings.TrimSpace(line)})
}

func dial(ctx context.Context, source *workloadapi.X509Source, authorizer tlsconfig.Authorizer, ownID, addr string) {
	conn, err := spiffetls.DialWithMode(ctx, "tcp", addr, spiffetls.MTLSClientWithSource(authorizer, source))
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "ping from %s\n", ownID); err != nil {
		fail(err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		fail(err)
	}
	peer, err := spiffetls.PeerIDFromConn(conn)
	if err != nil {
		fail(err)
	}
	emit(map[string]string{"own_id": ownID, "peer_id": peer.String(), "reply": strings.TrimSpace(reply)})
}

func emit(v map[string]string) {
	encoded, _ := json.Marshal(v)
	fmt.Println(string(encoded))
}

func fail(err error) {
	emit(map[string]string{"error": err.Error()})
	os.Exit(1)
}
