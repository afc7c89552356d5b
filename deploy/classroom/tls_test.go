package classroom

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// printedFingerprint finds the certificate fingerprint the script printed
// under "The certificate's SHA-256 fingerprint".
var printedFingerprint = regexp.MustCompile(`SHA-256 fingerprint[^\n]*\n\s+((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n`)

// trustPrinted switches the hub to https and trusts only the certificate
// whose SHA-256 fingerprint the script printed, as an attendee comparing it
// with what their browser shows does.
func (h *hub) trustPrinted(t testing.TB) {
	t.Helper()
	m := printedFingerprint.FindStringSubmatch(tailFile(h.logPath, 200))
	if m == nil {
		t.Fatalf("the classroom printed an https URL but no certificate fingerprint; its log:\n%s", tailFile(h.logPath, 40))
	}
	h.Fingerprint = m[1]
	h.URL = strings.Replace(h.URL, "http://", "https://", 1)
	h.HTTP = &http.Client{Timeout: HubRequestTimeout, Transport: pinnedTransport(h.Fingerprint)}
}

// pinnedTransport is an HTTP transport that accepts only a server
// certificate with the given SHA-256 fingerprint (AA:BB:...).
func pinnedTransport(fp string) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{
		// The chain is not checked against a CA (the class made its own
		// certificate): the fingerprint below is the check.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no server certificate")
			}
			if got := certFingerprint(cs.PeerCertificates[0]); got != fp {
				return fmt.Errorf("server certificate fingerprint %s, want the printed %s", got, fp)
			}
			return nil
		},
	}
	return t
}

// certFingerprint formats a certificate's SHA-256 as browsers show it.
func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b bytes.Buffer
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}
