package pixapitest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// PKI is the certificates of one test: a CA that signs the PSP's server
// certificate and the creditor's client certificate (the mutual TLS every
// PSP requires of the API Pix), plus a stranger's certificate from another
// CA, which the PSP refuses. The files are PEM, in the test's temp dir.
type PKI struct {
	CAFile   string // the CA, to trust the PSP's server certificate (billing.pix_api.ca_file)
	CertFile string // the creditor's client certificate (cert_file)
	KeyFile  string // and its key (key_file)
	// StrangerCertFile and StrangerKeyFile are a client certificate the PSP
	// did not issue: a handshake with it fails.
	StrangerCertFile, StrangerKeyFile string

	pool   *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

// NewPKI generates the certificates with crypto/x509 (ECDSA P-256, valid
// for a day around now).
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	caKey, caCert := newCA(t, "quita test PSP CA")
	p := &PKI{CAFile: filepath.Join(dir, "psp-ca.pem"), CertFile: filepath.Join(dir, "client.crt"), KeyFile: filepath.Join(dir, "client.key"),
		StrangerCertFile: filepath.Join(dir, "stranger.crt"), StrangerKeyFile: filepath.Join(dir, "stranger.key"), pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	writePEM(t, p.CAFile, "CERTIFICATE", caCert.Raw)
	p.server = leaf(t, caKey, caCert, "psp.test", x509.ExtKeyUsageServerAuth, "", "")
	p.client = leaf(t, caKey, caCert, "loja-pix.quita.test", x509.ExtKeyUsageClientAuth, p.CertFile, p.KeyFile)
	otherKey, otherCert := newCA(t, "someone else's CA")
	leaf(t, otherKey, otherCert, "stranger", x509.ExtKeyUsageClientAuth, p.StrangerCertFile, p.StrangerKeyFile)
	return p
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serial.Add(1)) }

func newCA(t testing.TB, name string) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: name, Organization: []string{"quita tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// leaf signs a certificate for cn; with file names it writes the
// certificate and its PKCS #8 key there.
func leaf(t testing.TB, caKey *ecdsa.PrivateKey, ca *x509.Certificate, cn string, usage x509.ExtKeyUsage, certFile, keyFile string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	if usage == x509.ExtKeyUsageServerAuth {
		tpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		tpl.DNSNames = []string{"localhost", cn}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if certFile != "" {
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "PRIVATE KEY", pk)
	}
	cert, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ServerTLS is the TLS configuration of a PSP that serves the PKI's server
// certificate and requires a client certificate from its CA: for a test's
// own handler (examples served as the spec writes them).
func (p *PKI) ServerTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.pool, MinVersion: tls.VersionTLS12}
}
