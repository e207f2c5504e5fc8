package asaas

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/quita-bot/quita/payments"
)

// customerFor returns the Asaas customer id of a payer: remembered, found
// by CPF/CNPJ (GET /customers?cpfCnpj=) or created (POST /customers).
func (c *Client) customerFor(ctx context.Context, payer payments.Payer) (string, error) {
	doc := digits(payer.CPF)
	c.mu.Lock()
	id, ok := c.customers[doc]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	var l list[customer]
	if err := c.do(ctx, http.MethodGet, "/customers?cpfCnpj", "/customers", url.Values{"cpfCnpj": {doc}}, nil, &l); err != nil {
		return "", err
	}
	for _, cu := range l.Data {
		if !cu.Deleted && digits(cu.CpfCnpj) == doc {
			id = cu.ID
			break
		}
	}
	if id == "" {
		var cu customer
		body := customer{Name: strings.TrimSpace(payer.Name), CpfCnpj: doc, Email: strings.TrimSpace(payer.Email), MobilePhone: nationalPhone(payer.Phone)}
		if err := c.do(ctx, http.MethodPost, "/customers", "/customers", nil, body, &cu); err != nil {
			return "", err
		}
		id = cu.ID
	}
	c.mu.Lock()
	c.customers[doc] = id
	c.mu.Unlock()
	return id, nil
}

func (c *Client) forgetCustomer(cpf string) {
	c.mu.Lock()
	delete(c.customers, digits(cpf))
	c.mu.Unlock()
}

// nationalPhone is an E.164 Brazilian number as Asaas's mobilePhone takes
// it: area code and number, without +55.
func nationalPhone(e164 string) string {
	d := digits(e164)
	if strings.HasPrefix(strings.TrimSpace(e164), "+") && strings.HasPrefix(d, "55") && len(d) >= 12 {
		d = d[2:]
	}
	return d
}
