import { Keypair, Transaction, WebAuth } from '@stellar/stellar-sdk';
import type { Page } from 'playwright-core';

/** A message @stellar/freighter-api posts to the extension (`type` and its fields). */
export interface FreighterRequest {
  type: string;
  [field: string]: unknown;
}

export interface FreighterWallet {
  keypair: Keypair;
  /** The network the wallet is on (Freighter signs for it only). */
  networkPassphrase: string;
  /** Freighter's name of that network, e.g. TESTNET. */
  network: string;
  /** The SEP-10 server this wallet trusts: it signs only that server's challenges. */
  server: { signingKey: string; homeDomain: string; webAuthDomain: string };
  /** Answer a signature request with the user's refusal. */
  declines?: boolean;
}

/** The extension's content script: relays the page's requests to the test process and posts the answers back. */
const CONTENT_SCRIPT = `
window.addEventListener('message', async (event) => {
  if (event.source !== window || event.data?.source !== 'FREIGHTER_EXTERNAL_MSG_REQUEST') return;
  const { source, messageId, ...request } = event.data;
  const response = await window.__freighterExtension(request);
  // Freighter's own spelling: the response carries \`messagedId\`.
  window.postMessage({ source: 'FREIGHTER_EXTERNAL_MSG_RESPONSE', messagedId: messageId, ...response }, window.location.origin);
});`;

const declined = { apiError: { code: -4, message: 'The user rejected this request.' } };

/** What the extension answers to one request, signing with the wallet's real key. */
function answer(wallet: FreighterWallet, request: FreighterRequest): Record<string, unknown> {
  switch (request.type) {
    case 'REQUEST_CONNECTION_STATUS': return { isConnected: true };
    case 'REQUEST_ACCESS':
    case 'REQUEST_PUBLIC_KEY': return { publicKey: wallet.keypair.publicKey() };
    case 'REQUEST_NETWORK_DETAILS':
      return { networkDetails: { network: wallet.network, networkName: wallet.network, networkUrl: 'http://127.0.0.1:1', networkPassphrase: wallet.networkPassphrase } };
    case 'SUBMIT_TRANSACTION': {
      if (wallet.declines) return declined;
      if (request.networkPassphrase !== wallet.networkPassphrase) return { apiError: { code: -3, message: 'network mismatch' } };
      const xdr = String(request.transactionXdr);
      const { signingKey, homeDomain, webAuthDomain } = wallet.server;
      WebAuth.readChallengeTx(xdr, signingKey, wallet.networkPassphrase, homeDomain, webAuthDomain);
      const tx = new Transaction(xdr, wallet.networkPassphrase);
      tx.sign(wallet.keypair);
      return { signedTransaction: tx.toEnvelope().toXDR('base64'), signerAddress: wallet.keypair.publicKey() };
    }
    default: return { apiError: { code: -1, message: `the test wallet does not handle ${request.type}` } };
  }
}

/**
 * Plays the Freighter extension in a page: its content script answers @stellar/freighter-api's
 * `window.postMessage` requests (`FREIGHTER_EXTERNAL_MSG_REQUEST`) with
 * `FREIGHTER_EXTERNAL_MSG_RESPONSE` messages, computed in the test process, where the wallet's
 * real key signs (only a SEP-10 challenge of the trusted server, like a careful wallet). Returns
 * the requests seen, in order. Call before `page.goto`.
 *
 * @example const requests = await emulateFreighter(page, { keypair, networkPassphrase: Networks.TESTNET, network: 'TESTNET', server });
 */
export async function emulateFreighter(page: Page, wallet: FreighterWallet): Promise<FreighterRequest[]> {
  const requests: FreighterRequest[] = [];
  await page.exposeFunction('__freighterExtension', (request: FreighterRequest) => {
    requests.push(request);
    try {
      return answer(wallet, request);
    } catch (error) {
      return { apiError: { code: -1, message: `the test wallet refused: ${(error as Error).message}` } };
    }
  });
  await page.addInitScript({ content: CONTENT_SCRIPT });
  return requests;
}
