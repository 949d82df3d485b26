// "Sign in with a Stellar wallet": SEP-10 in the browser, signed by Freighter (through
// @stellar/freighter-api, served from /dashboard/vendor/) or by any other wallet, whose user signs
// the challenge shown here and pastes the signed transaction back.
import { fetchChallenge, redeemChallenge } from './sep10-client.js';

const $ = (id) => document.getElementById(id);

/** Freighter answers `{ error: { message } }` rather than throwing: make that an Error. */
function checked(result, what) {
  if (result?.error) throw new Error(`Freighter ${what}: ${result.error.message ?? result.error}`);
  return result;
}

/**
 * The whole Freighter round trip: access to the account, the server's challenge, Freighter's
 * signature on the server's network, the token.
 * Example: const token = await signInWithFreighter();
 */
export async function signInWithFreighter() {
  const freighter = window.freighterApi;
  if (!freighter) throw new Error('the Freighter API did not load');
  if (!checked(await freighter.isConnected(), 'connection').isConnected) {
    throw new Error('Freighter is not installed in this browser: install it, or sign the challenge with another wallet below');
  }
  const { address } = checked(await freighter.requestAccess(), 'access');
  const { transaction, network_passphrase: networkPassphrase } = await fetchChallenge(address);
  const network = checked(await freighter.getNetworkDetails(), 'network');
  if (network.networkPassphrase !== networkPassphrase) {
    throw new Error(`Freighter is on ${network.network || network.networkPassphrase}; this server signs in on "${networkPassphrase}": switch networks in Freighter`);
  }
  const { signedTxXdr } = checked(await freighter.signTransaction(transaction, { networkPassphrase, address }), 'signature');
  return redeemChallenge(signedTxXdr);
}

/**
 * Wires the sign-in panel: the Freighter button, and the challenge to copy into another wallet
 * with the box for its signed form. `onToken(token)` receives each token obtained.
 * Example: initWalletSignIn((token) => useToken(token));
 */
export function initWalletSignIn(onToken) {
  const note = (text) => { $('sign-in-note').textContent = text; };
  const attempt = async (work) => {
    note('signing in…');
    try {
      onToken(await work());
      note('');
    } catch (error) {
      note(`sign-in failed: ${error.message}`);
    }
  };
  $('wallet-sign-in').addEventListener('click', () => attempt(signInWithFreighter));
  $('challenge-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const { transaction, network_passphrase } = await fetchChallenge($('account').value.trim());
      $('challenge').value = transaction;
      $('challenge-network').textContent = network_passphrase;
      $('signed-form').hidden = false;
      note('sign this transaction with the account\'s key, then paste the signed transaction');
    } catch (error) {
      note(`no challenge: ${error.message}`);
    }
  });
  $('signed-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(() => redeemChallenge($('signed').value.trim()));
  });
}
