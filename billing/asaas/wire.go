package asaas

// Wire shapes of Asaas API v3, as its reference documents them (see doc.go).
// Only the fields quita reads or writes are declared.

// customer is CustomerSaveRequestDto / CustomerGetResponseDto.
type customer struct {
	ID                string `json:"id,omitempty"`
	Name              string `json:"name"`
	CpfCnpj           string `json:"cpfCnpj"`
	Email             string `json:"email,omitempty"`
	MobilePhone       string `json:"mobilePhone,omitempty"`
	ExternalReference string `json:"externalReference,omitempty"`
	Deleted           bool   `json:"deleted,omitempty"`
}

// list is Asaas's paginated answer: {"object":"list","hasMore":…,"data":[…]}.
type list[T any] struct {
	HasMore    bool `json:"hasMore"`
	TotalCount int  `json:"totalCount"`
	Data       []T  `json:"data"`
}

// paymentRequest is PaymentSaveRequestDTO.
type paymentRequest struct {
	Customer          string    `json:"customer"`
	BillingType       string    `json:"billingType"`
	Value             float64   `json:"value"`
	DueDate           string    `json:"dueDate"` // YYYY-MM-DD
	Description       string    `json:"description,omitempty"`
	ExternalReference string    `json:"externalReference"`
	Discount          *discount `json:"discount,omitempty"`
	Interest          *interest `json:"interest,omitempty"`
	Fine              *fine     `json:"fine,omitempty"`
}

// discount is PaymentDiscountDto: value off when paid up to
// dueDateLimitDays before the due date (0: until the due date).
type discount struct {
	Value            float64 `json:"value"`
	DueDateLimitDays int     `json:"dueDateLimitDays"`
	Type             string  `json:"type"` // FIXED | PERCENTAGE
}

// interest is PaymentInterestRequestDto: % a month after the due date.
type interest struct {
	Value float64 `json:"value"`
}

// fine is PaymentFineRequestDto: the fine after the due date.
type fine struct {
	Value float64 `json:"value"`
	Type  string  `json:"type,omitempty"` // FIXED | PERCENTAGE
}

// payment is PaymentGetResponseDto (also the webhook's "payment").
type payment struct {
	ID                string   `json:"id"`
	Customer          string   `json:"customer"`
	Value             float64  `json:"value"`
	NetValue          float64  `json:"netValue"`
	OriginalValue     *float64 `json:"originalValue"`
	BillingType       string   `json:"billingType"`
	Status            string   `json:"status"`
	DueDate           string   `json:"dueDate"`
	PaymentDate       string   `json:"paymentDate"`
	ClientPaymentDate string   `json:"clientPaymentDate"`
	ConfirmedDate     string   `json:"confirmedDate"`
	CreditDate        string   `json:"creditDate"`
	ExternalReference string   `json:"externalReference"`
	Deleted           bool     `json:"deleted"`
	NossoNumero       string   `json:"nossoNumero"`
	BankSlipURL       string   `json:"bankSlipUrl"`
	InvoiceURL        string   `json:"invoiceUrl"`
	Refunds           []refund `json:"refunds"`
}

// refund is one entry of payment.refunds.
type refund struct {
	DateCreated string  `json:"dateCreated"`
	Status      string  `json:"status"`
	Value       float64 `json:"value"`
}

// identificationField is PaymentIdentificationFieldResponseDto.
type identificationField struct {
	IdentificationField string `json:"identificationField"` // linha digitável
	NossoNumero         string `json:"nossoNumero"`
	BarCode             string `json:"barCode"`
}

// pixQrCode is PaymentPixQrCodeResponseDto.
type pixQrCode struct {
	EncodedImage   string `json:"encodedImage"` // PNG, base64
	Payload        string `json:"payload"`      // copia e cola
	ExpirationDate string `json:"expirationDate"`
}

// deleted is PaymentDeleteResponseDto.
type deleted struct {
	Deleted bool   `json:"deleted"`
	ID      string `json:"id"`
}
