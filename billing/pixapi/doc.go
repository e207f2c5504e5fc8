// Package pixapi is the provider of a creditor whose PIX charges are
// registered at its PSP through Banco Central's API Pix: it implements
// payments.PaymentProvider with cobranças com vencimento (cobv), confirms
// the payments a webhook reports, lists the payments received for the
// reconciliation backstop, registers the webhook and checks credentials.
//
// Built from the specification, the openapi.yaml of the public repository
// github.com/bacen/pix-api, version 2.9.0 (commit 1f1b568, "release
// 2.9.0"), cited where each shape is used:
//   - components.securitySchemes.OAuth2: client credentials, scopes
//     cobv.write, cobv.read, pix.read, webhook.write. The token request and
//     answer are RFC 6749 §4.4 and §5.1 (client authenticated by HTTP Basic,
//     §2.3.1); every call also travels over mutual TLS with the creditor's
//     certificate, as the PSPs that implement the API require.
//   - paths "/cobv/{txid}": PUT (CobVSolicitada → 201 CobVGerada), GET
//     (CobVCompleta, with the pix[] received), PATCH (CobVRevisada, status
//     REMOVIDA_PELO_USUARIO_RECEBEDOR). schemas TxId ([a-zA-Z0-9]{26,35}),
//     CobDataDeVencimento (dataDeVencimento, validadeAposVencimento), CobVValor
//     (original, multa, juros, desconto and their modalidades), CobrancaStatus,
//     CobBaseCopiaCola (pixCopiaECola), PayloadLocation (loc.location).
//   - paths "/cobv": GET inicio, fim (CobsVConsultadas), the read call of Check.
//   - paths "/pix/{e2eid}" (schema Pix: endToEndId, txid, valor, horario,
//     devolucoes[] of Devolucao with status DEVOLVIDO once given back) and
//     "/pix" (PixConsultados, parametros.paginacao: paginaAtual,
//     quantidadeDePaginas).
//   - paths "/webhook/{chave}": PUT (WebhookSolicitado {webhookUrl}); its
//     callback "{$request.body#/webhookUrl}/pix" posts WebhookPixBody
//     {"pix":[Pix…]}, "protegido por uma camada de autenticação mTLS".
//   - Errors are RFC 7807 bodies (schema Problema: type, title, status,
//     detail, violacoes[]) whose type is https://pix.bcb.gov.br/api/v2/error/<TipoErro>.
//   - Pix Automático (rec.go, cobr.go, webhook_rec.go): paths "/locrec"
//     (PayloadLocationRecGerada), "/rec" (RecSolicitada → RecGerada),
//     "/rec/{idRec}" (GET RecCompleta with dadosQR; PATCH RecRevisada
//     status CANCELADA), "/solicrec" and "/solicrec/{idSolicRec}"
//     (JORNADA_1), "/cobr/{txid}" (PUT CobRSolicitada, GET CobRCompleta
//     with tentativas and pix[], PATCH CobRRevisada),
//     "/cobr/{txid}/retentativa/{data}", "/webhookrec" and "/webhookcobr"
//     (callbacks {webhookUrl}/rec with {"recs":[…]} and {webhookUrl}/cobr
//     with {"cobsr":[…]}); scopes RecurringScopes.
//
// The client secret, the token and the private key are never part of an
// error, a log line or a URL.
package pixapi
