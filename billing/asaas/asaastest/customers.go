package asaastest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Customer is CustomerGetResponseDto, as the fake keeps it.
type Customer struct {
	Object            string  `json:"object"`
	ID                string  `json:"id"`
	DateCreated       string  `json:"dateCreated"`
	Name              string  `json:"name"`
	Email             *string `json:"email"`
	MobilePhone       *string `json:"mobilePhone"`
	CpfCnpj           string  `json:"cpfCnpj"`
	PersonType        string  `json:"personType"` // FISICA | JURIDICA
	Deleted           bool    `json:"deleted"`
	ExternalReference *string `json:"externalReference"`
}

// customerRequest is CustomerSaveRequestDto's documented fields; others are refused.
type customerRequest struct {
	Name                 string `json:"name"`
	CpfCnpj              string `json:"cpfCnpj"`
	Email                string `json:"email"`
	Phone                string `json:"phone"`
	MobilePhone          string `json:"mobilePhone"`
	Address              string `json:"address"`
	AddressNumber        string `json:"addressNumber"`
	Complement           string `json:"complement"`
	Province             string `json:"province"`
	PostalCode           string `json:"postalCode"`
	ExternalReference    string `json:"externalReference"`
	NotificationDisabled bool   `json:"notificationDisabled"`
	AdditionalEmails     string `json:"additionalEmails"`
	MunicipalInscription string `json:"municipalInscription"`
	StateInscription     string `json:"stateInscription"`
	Observations         string `json:"observations"`
	GroupName            string `json:"groupName"`
	Company              string `json:"company"`
	ForeignCustomer      bool   `json:"foreignCustomer"`
}

func (s *Server) listCustomers(w http.ResponseWriter, q url.Values) {
	s.mu.Lock()
	var all []Customer
	for _, id := range s.custOrder {
		c := *s.customers[id]
		if doc := q.Get("cpfCnpj"); doc != "" && onlyDigits(doc) != c.CpfCnpj {
			continue
		}
		if ref := q.Get("externalReference"); ref != "" && (c.ExternalReference == nil || *c.ExternalReference != ref) {
			continue
		}
		if !c.Deleted {
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(q, all))
}

func (s *Server) createCustomer(w http.ResponseWriter, body []byte) {
	var req customerRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, "invalid_request", "corpo inválido: "+err.Error())
		return
	}
	var errs []string
	if strings.TrimSpace(req.Name) == "" {
		errs = append(errs, "invalid_name", "O campo name deve ser informado.")
	}
	doc := onlyDigits(req.CpfCnpj)
	person := "FISICA"
	switch {
	case len(doc) == 11 && validCPF(doc):
	case len(doc) == 14:
		person = "JURIDICA"
	default:
		errs = append(errs, "invalid_cpfCnpj", "O CPF/CNPJ informado é inválido.")
	}
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	s.mu.Lock()
	s.seq++
	c := &Customer{Object: "customer", ID: fmt.Sprintf("cus_%012d", s.seq), DateCreated: s.today().In(brt).Format("2006-01-02"),
		Name: req.Name, CpfCnpj: doc, PersonType: person, Email: nullable(req.Email), MobilePhone: nullable(req.MobilePhone),
		ExternalReference: nullable(req.ExternalReference)}
	s.customers[c.ID] = c
	s.custOrder = append(s.custOrder, c.ID)
	out := *c
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// DeleteCustomer removes a customer, as the Asaas panel would.
func (s *Server) DeleteCustomer(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.customers[id]; ok {
		c.Deleted = true
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validCPF checks a CPF's two modulo-11 check digits (Receita Federal).
func validCPF(d string) bool {
	if len(d) != 11 || strings.Count(d, d[:1]) == 11 {
		return false
	}
	for _, n := range []int{9, 10} {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(d[i]-'0') * (n + 1 - i)
		}
		dv := sum * 10 % 11 % 10
		if int(d[n]-'0') != dv {
			return false
		}
	}
	return true
}
