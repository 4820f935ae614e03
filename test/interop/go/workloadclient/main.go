// Command workloadclient is a real go-spiffe v2 peer for tspire's interop tests: it calls every
// Workload API RPC through go-spiffe's workloadapi.Client, verifies what it got with go-spiffe's own
// x509svid.Verify and jwtsvid.ParseAndValidate, and prints one JSON document on stdout.
// It exits 1 when any step failed; the failed steps are named in "errors".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

type x509SVIDOut struct {
	ID          string `json:"id"`
	Hint        string `json:"hint"`
	ChainLength int    `json:"chain_length"`
	NotAfter    string `json:"not_after"`
	HasKey      bool   `json:"has_key"`
	// VerifiedID is what x509svid.Verify returned against the Workload API's bundles.
	VerifiedID string `json:"verified_id,omitempty"`
	// ExternalVerifiedID is the result against the -bundle-pem file, when given.
	ExternalVerifiedID string `json:"external_verified_id,omitempty"`
}

type x509BundleOut struct {
	TrustDomain string `json:"trust_domain"`
	Authorities int    `json:"authorities"`
}

type jwtBundleOut struct {
	TrustDomain string   `json:"trust_domain"`
	KeyIDs      []string `json:"key_ids"`
}

type jwtSVIDOut struct {
	ID       string   `json:"id"`
	Audience []string `json:"audience"`
	Expiry   string   `json:"expiry"`
	// LocalValidatedID is what jwtsvid.ParseAndValidate returned against the fetched JWT bundles.
	LocalValidatedID string `json:"local_validated_id,omitempty"`
	// APIValidatedID is what the Workload API's ValidateJWTSVID returned.
	APIValidatedID string `json:"api_validated_id,omitempty"`
}

type output struct {
	ContextSVIDs   []x509SVIDOut     `json:"context_svids"`
	ContextBundles []x509BundleOut   `json:"context_bundles"`
	X509Bundles    []x509BundleOut   `json:"x509_bundles"`
	JWTSVID        *jwtSVIDOut       `json:"jwt_svid,omitempty"`
	JWTBundles     []jwtBundleOut    `json:"jwt_bundles"`
	Errors         map[string]string `json:"errors"`
}

func main() {
	socket := flag.String("socket", "", "Workload API UNIX socket path")
	audience := flag.String("audience", "spiffe://example.org/interop", "JWT-SVID audience")
	x509Only := flag.Bool("x509-only", false, "skip the JWT RPCs")
	bundlePEM := flag.String("bundle-pem", "", "also verify the X509-SVIDs against this PEM bundle file")
	bundleTD := flag.String("bundle-trust-domain", "example.org", "trust domain of -bundle-pem")
	timeout := flag.Duration("timeout", 10*time.Second, "deadline for all RPCs")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "-socket is required")
		os.Exit(2)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	out := output{Errors: map[string]string{}}
	client, err := workloadapi.New(ctx, workloadapi.WithAddr("unix://"+*socket))
	if err != nil {
		out.Errors["new_client"] = err.Error()
		finish(out)
	}
	defer client.Close()

	var external *x509bundle.Bundle
	if *bundlePEM != "" {
		external, err = loadBundle(*bundleTD, *bundlePEM)
		if err != nil {
			out.Errors["bundle_pem"] = err.Error()
		}
	}
	fetchX509(ctx, client, external, &out)
	if !*x509Only {
		fetchJWT(ctx, client, *audience, &out)
	}
	finish(out)
}

func loadBundle(td, path string) (*x509bundle.Bundle, error) {
	trustDomain, err := spiffeid.TrustDomainFromString(td)
	if err != nil {
		return nil, err
	}
	return x509bundle.Load(trustDomain, path)
}

func fetchX509(ctx context.Context, client *workloadapi.Client, external *x509bundle.Bundle, out *output) {
	x509Ctx, err := client.FetchX509Context(ctx)
	if err != nil {
		out.Errors["fetch_x509_context"] = err.Error()
	} else {
		for _, svid := range x509Ctx.SVIDs {
			entry := x509SVIDOut{
				ID:          svid.ID.String(),
				Hint:        svid.Hint,
				ChainLength: len(svid.Certificates),
				NotAfter:    svid.Certificates[0].NotAfter.UTC().Format(time.RFC3339),
				HasKey:      svid.PrivateKey != nil,
			}
			if id, _, err := x509svid.Verify(svid.Certificates, x509Ctx.Bundles); err != nil {
				out.Errors["verify "+entry.ID] = err.Error()
			} else {
				entry.VerifiedID = id.String()
			}
			if external != nil {
				if id, _, err := x509svid.Verify(svid.Certificates, external); err != nil {
					out.Errors["verify_external "+entry.ID] = err.Error()
				} else {
					entry.ExternalVerifiedID = id.String()
				}
			}
			out.ContextSVIDs = append(out.ContextSVIDs, entry)
		}
		out.ContextBundles = describeX509(x509Ctx.Bundles)
	}
	bundles, err := client.FetchX509Bundles(ctx)
	if err != nil {
		out.Errors["fetch_x509_bundles"] = err.Error()
	} else {
		out.X509Bundles = describeX509(bundles)
	}
}

func fetchJWT(ctx context.Context, client *workloadapi.Client, audience string, out *output) {
	bundles, err := client.FetchJWTBundles(ctx)
	if err != nil {
		out.Errors["fetch_jwt_bundles"] = err.Error()
	} else {
		for _, b := range bundles.Bundles() {
			keyIDs := make([]string, 0)
			for kid := range b.JWTAuthorities() {
				keyIDs = append(keyIDs, kid)
			}
			sort.Strings(keyIDs)
			out.JWTBundles = append(out.JWTBundles, jwtBundleOut{TrustDomain: b.TrustDomain().String(), KeyIDs: keyIDs})
		}
	}
	svid, err := client.FetchJWTSVID(ctx, jwtsvid.Params{Audience: audience})
	if err != nil {
		out.Errors["fetch_jwt_svid"] = err.Error()
		return
	}
	entry := &jwtSVIDOut{ID: svid.ID.String(), Audience: svid.Audience, Expiry: svid.Expiry.UTC().Format(time.RFC3339)}
	out.JWTSVID = entry
	if bundles != nil {
		if local, err := jwtsvid.ParseAndValidate(svid.Marshal(), bundles, []string{audience}); err != nil {
			out.Errors["parse_and_validate"] = err.Error()
		} else {
			entry.LocalValidatedID = local.ID.String()
		}
	}
	if validated, err := client.ValidateJWTSVID(ctx, svid.Marshal(), audience); err != nil {
		out.Errors["validate_jwt_svid"] = err.Error()
	} else {
		entry.APIValidatedID = validated.ID.String()
	}
}

func describeX509(set *x509bundle.Set) []x509BundleOut {
	described := make([]x509BundleOut, 0)
	for _, b := range set.Bundles() {
		described = append(described, x509BundleOut{TrustDomain: b.TrustDomain().String(), Authorities: len(b.X509Authorities())})
	}
	return described
}

func finish(out output) {
	encoded, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(string(encoded))
	if len(out.Errors) > 0 {
		os.Exit(1)
	}
}
