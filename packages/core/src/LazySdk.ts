/**
 * A provider SDK and its client, loaded and made at the first call: a command that asks no model (most
 * of them) starts without loading the SDK's few hundred modules. `sdk()` is the loaded SDK, for its error
 * classes, once a call has been made.
 */
export const lazySdk = <Sdk, Client>(load: () => Promise<Sdk>, make: (sdk: Sdk) => Client) => {
  let sdk: Sdk | undefined
  let client: Promise<Client> | undefined
  return {
    client: (): Promise<Client> => (client ??= load().then((loaded) => make((sdk = loaded)))),
    sdk: (): Sdk | undefined => sdk
  }
}
