// openddb's native addon: the SHA-256 work of verifying one SigV4 signature,
// in one call (src/auth/sigv4-native.ts loads it; auth/sigv4 falls back to
// node:crypto without it, with the same results).
//
// Why: the four digests a signature needs (the body, the canonical request,
// the HMAC's inner and outer hash) cost about 0.35 µs each through
// crypto.hash in a tight loop and twice that in a busy server, mostly
// around the hashing: the algorithm name looked up, a digest context
// allocated and freed, hex output through a new string. Here the HMAC's
// pads are hashed once per signing key (the state after their block is
// kept), and one call hashes the body, the canonical request and the HMAC
// with SHA-256 states on the stack.
//
// The SHA-256 is OpenSSL's, as Node links it in and exports it (the
// SHA256_* functions, deprecated in OpenSSL 3 for EVP but kept, and the
// only way to copy a state without an allocation). Where Node does not
// export them the addon fails to load, and auth/sigv4 uses node:crypto.

#include <node_api.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

namespace {

// Each byte's two lower-case hex digits.
struct HexPairs {
  char pairs[512];
  HexPairs() {
    const char* digits = "0123456789abcdef";
    for (int i = 0; i < 256; i++) {
      pairs[2 * i] = digits[i >> 4];
      pairs[2 * i + 1] = digits[i & 15];
    }
  }
};
const HexPairs kHex;

void ToHex(const unsigned char* digest, char* out) {
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) memcpy(out + 2 * i, kHex.pairs + 2 * digest[i], 2);
}

// SHA-256 of `length` bytes, on a stack state: OpenSSL 3's one-shot
// SHA256() looks the algorithm up by name (locks, a string copy, a
// context allocated and freed) each time.
void Sha256(const void* data, size_t length, unsigned char* digest) {
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, data, length);
  SHA256_Final(digest, &sha);
}

// The states of HMAC-SHA256 after the key's inner and outer pad: what
// hmacState returns, as the bytes of a Buffer.
struct HmacState {
  SHA256_CTX inner;
  SHA256_CTX outer;
};

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

// The call's `count` arguments into argv; false, with a TypeError naming
// `usage` thrown, for any other number.
bool Arguments(napi_env env, napi_callback_info info, size_t count, napi_value* argv, const char* usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) == napi_ok && argc == count) return true;
  Throw(env, usage);
  return false;
}

bool Bytes(napi_env env, napi_value value, unsigned char** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* bytes;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &bytes, &buffer, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<unsigned char*>(bytes);
  return true;
}

// A string's UTF-8 bytes (as node:crypto hashes a string), in `stack` when
// they fit, else in memory the caller frees with free(*heap).
bool Utf8(napi_env env, napi_value value, char* stack, size_t size, const char** text, size_t* length, char** heap) {
  *heap = nullptr;
  size_t copied;
  if (napi_get_value_string_utf8(env, value, stack, size, &copied) != napi_ok) return false;
  // Node writes whole characters only (up to 4 bytes each) and leaves room
  // for a terminating NUL: a copy that stopped short of that is complete.
  if (copied + 4 < size) {
    *text = stack;
    *length = copied;
    return true;
  }
  // Perhaps cut short: ask for the whole length and copy again.
  size_t whole;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &whole) != napi_ok) return false;
  if (whole == copied) {
    *text = stack;
    *length = copied;
    return true;
  }
  *heap = static_cast<char*>(malloc(whole + 1));
  if (*heap == nullptr) return false;
  if (napi_get_value_string_utf8(env, value, *heap, whole + 1, &copied) != napi_ok) return false;
  *text = *heap;
  *length = copied;
  return true;
}

// `sha` after one block: the key, zero-padded to a block, XOR `pad`.
void Pad(SHA256_CTX* sha, const unsigned char* key, size_t length, unsigned char pad) {
  unsigned char block[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; i++) block[i] = (i < length ? key[i] : 0) ^ pad;
  SHA256_Init(sha);
  SHA256_Update(sha, block, sizeof block);
}

// hmacState(key: Uint8Array): Buffer. HMAC-SHA256's inner and outer states
// after the key's pads. A key longer than SHA-256's block is refused (a
// SigV4 signing key is a 32-byte digest).
napi_value HmacStateOf(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Arguments(env, info, 1, argv, "hmacState(key)")) return nullptr;
  unsigned char* key;
  size_t length;
  if (!Bytes(env, argv[0], &key, &length) || length > SHA256_CBLOCK) return Throw(env, "hmacState: the key must be a Uint8Array of at most 64 bytes");
  void* data;
  napi_value result;
  if (napi_create_buffer(env, sizeof(HmacState), &data, &result) != napi_ok) return nullptr;
  HmacState* state = static_cast<HmacState*>(data);
  Pad(&state->inner, key, length, 0x36);
  Pad(&state->outer, key, length, 0x5c);
  return result;
}

// signCanonical(state: Buffer, head: string, canonical: string, body: Uint8Array, out: Uint8Array): undefined.
// Writes to out[0..64) the lower-case hex HMAC-SHA256, under the key of
// `state`, of `head` followed by the hex SHA-256 of `canonical` followed by
// the hex SHA-256 of `body`: head is the string to sign up to its last line
// (algorithm, date, scope), canonical the canonical request up to the
// payload hash. Strings are hashed as UTF-8.
napi_value SignCanonical(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!Arguments(env, info, 5, argv, "signCanonical(state, head, canonical, body, out)")) return nullptr;
  unsigned char* state;
  size_t stateLength;
  unsigned char* body;
  size_t bodyLength;
  unsigned char* out;
  size_t outLength;
  if (!Bytes(env, argv[0], &state, &stateLength) || stateLength != sizeof(HmacState)) return Throw(env, "signCanonical: state must be hmacState's");
  if (!Bytes(env, argv[3], &body, &bodyLength)) return Throw(env, "signCanonical: body must be a Uint8Array");
  if (!Bytes(env, argv[4], &out, &outLength) || outLength < 2 * SHA256_DIGEST_LENGTH) return Throw(env, "signCanonical: out must be a Uint8Array of 64 bytes or more");

  char headStack[256];
  char canonicalStack[4096];
  const char* head;
  const char* canonical;
  size_t headLength;
  size_t canonicalLength;
  char* headHeap;
  char* canonicalHeap = nullptr;
  bool ok = Utf8(env, argv[1], headStack, sizeof headStack, &head, &headLength, &headHeap) &&
            Utf8(env, argv[2], canonicalStack, sizeof canonicalStack, &canonical, &canonicalLength, &canonicalHeap);
  if (ok) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH];
    Sha256(body, bodyLength, digest);
    ToHex(digest, hex);
    SHA256_CTX sha;
    SHA256_Init(&sha);
    SHA256_Update(&sha, canonical, canonicalLength);
    SHA256_Update(&sha, hex, sizeof hex);
    SHA256_Final(digest, &sha);
    ToHex(digest, hex);
    const HmacState* hmac = reinterpret_cast<const HmacState*>(state);
    sha = hmac->inner;
    SHA256_Update(&sha, head, headLength);
    SHA256_Update(&sha, hex, sizeof hex);
    SHA256_Final(digest, &sha);
    sha = hmac->outer;
    SHA256_Update(&sha, digest, sizeof digest);
    SHA256_Final(digest, &sha);
    ToHex(digest, reinterpret_cast<char*>(out));
  }
  free(headHeap);
  free(canonicalHeap);
  if (!ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) return Throw(env, "signCanonical: head and canonical must be strings");
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"hmacState", nullptr, HmacStateOf, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"signCanonical", nullptr, SignCanonical, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
