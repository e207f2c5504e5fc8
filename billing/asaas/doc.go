// Package asaas is the Asaas API v3 provider of a creditor whose charges are
// registered at Asaas (a payment institution): it implements
// payments.PaymentProvider (Issue, Lookup, Cancel), checks the credentials
// for `quita payments check`, and reads Asaas's webhook events.
//
// Built from the Asaas API v3 reference (docs.asaas.com), cited where each
// shape is used:
//   - Authentication: https://docs.asaas.com/docs/authentication-2 — the key
//     in the `access_token` header, a User-Agent on every request, 401 when
//     the key is missing, wrong or of the other environment.
//   - Errors: https://docs.asaas.com/docs/http-response-codes — 400 bodies
//     are {"errors":[{"code":"invalid_value","description":"…"}]}; GET
//     requests must have an empty body (403 otherwise).
//   - Customers: https://docs.asaas.com/reference/criar-novo-cliente and
//     "Listar clientes" (filter cpfCnpj); fields as CustomerSaveRequestDto.
//   - Payments: https://docs.asaas.com/reference/criar-nova-cobranca
//     (PaymentSaveRequestDTO: customer, billingType, value, dueDate,
//     description, externalReference, discount{value,dueDateLimitDays,type},
//     interest{value: % a month}, fine{value,type}); "Listar cobranças"
//     (filter externalReference); "Recuperar uma única cobrança" (status,
//     deleted, value, netValue, paymentDate, clientPaymentDate, bankSlipUrl);
//     "Excluir cobrança" ({"deleted":true,"id":…}).
//   - https://docs.asaas.com/reference/obter-linha-digitavel-do-boleto
//     (identificationField, nossoNumero, barCode) and
//     https://docs.asaas.com/reference/obter-qr-code-para-pagamentos-via-pix
//     (encodedImage, payload, expirationDate): a BOLETO charge carries a PIX
//     QR Code too, which is the boleto híbrido.
//   - Webhooks: https://docs.asaas.com/docs/receive-asaas-events-at-your-webhook-endpoint
//     (the event object {"id":"evt_…","event":…,"dateCreated":…,"payment":{…}}),
//     https://docs.asaas.com/docs/payment-events (event names) and the
//     webhook's authToken, sent back unchanged in the `asaas-access-token`
//     header of every delivery.
//
// The key is never part of an error, a log line or a URL.
package asaas
