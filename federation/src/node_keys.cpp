#include "ioc/federation/node_keys.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "crypto_util.hpp"
#include "ioc/error.hpp"

namespace ioc::federation {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using File = std::unique_ptr<std::FILE, FileClose>;

File open_file(const std::string& path, const char* mode) {
  File f(std::fopen(path.c_str(), mode));
  if (!f) throw Error(ErrorCode::kConfig, "cannot open key file " + path, "key");
  return f;
}

Pkey read_private(const std::string& path) {
  const File f = open_file(path, "r");
  Pkey key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519)
    throw Error(ErrorCode::kConfig, path + " is not an Ed25519 private key in PEM", "key");
  return key;
}

Pkey read_public(const std::string& path) {
  const File f = open_file(path, "r");
  Pkey key(PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519)
    throw Error(ErrorCode::kConfig, path + " is not an Ed25519 public key in PEM", "publicKey");
  return key;
}

}  // namespace

std::string key_file_stem(std::string_view node_id) {
  std::string stem(node_id);
  for (auto& c : stem)
    if (c == '/') c = '_';
  return stem;
}

KeyFiles generate_keys(std::string_view node_id, const std::string& out_dir) {
  if (node_id.empty()) throw Error(ErrorCode::kBadRequest, "node id is empty", "node");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error(ErrorCode::kConfig, "cannot create " + out_dir + ": " + ec.message(), "out");
  const std::string stem = (std::filesystem::path(out_dir) / key_file_stem(node_id)).string();
  KeyFiles files{stem + ".key", stem + ".pub"};
  for (const auto& p : {files.private_key, files.public_key})
    if (std::filesystem::exists(p))
      throw Error(ErrorCode::kConflict, p + " already exists; not overwriting a key", "out");

  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    throw Error(ErrorCode::kInternal, "Ed25519 key generation failed");
  const Pkey key(raw);

  // Create the private key file 0600 from the start, never briefly world-readable.
  const mode_t old = umask(077);
  File priv(std::fopen(files.private_key.c_str(), "w"));
  umask(old);
  if (!priv ||
      PEM_write_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw Error(ErrorCode::kInternal, "cannot write " + files.private_key, "out");
  priv.reset();
  chmod(files.private_key.c_str(), 0600);
  const File pub = open_file(files.public_key, "w");
  if (PEM_write_PUBKEY(pub.get(), key.get()) != 1)
    throw Error(ErrorCode::kInternal, "cannot write " + files.public_key, "out");
  return files;
}

struct PublicKey::Impl {
  Pkey key;
};
struct PrivateKey::Impl {
  Pkey key;
};

PublicKey::PublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;
PublicKey::~PublicKey() = default;

PublicKey PublicKey::load(const std::string& pem_file) {
  return PublicKey(std::make_unique<Impl>(Impl{read_public(pem_file)}));
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  return md && EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, impl_->key.get()) == 1 &&
         EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

PrivateKey PrivateKey::load(const std::string& pem_file) {
  return PrivateKey(std::make_unique<Impl>(Impl{read_private(pem_file)}));
}

std::string PrivateKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw Error(ErrorCode::kInternal, "Ed25519 signing failed");
  sig.resize(len);
  return sig;
}

bool signed_by(const NodeConfig& node, std::string_view message,
               const std::string& signature_base64) {
  const auto signature = crypto::base64_decode(signature_base64, false);
  if (!signature) return false;
  for (const auto& file : node.public_keys)
    if (PublicKey::load(file).verify(message, *signature)) return true;
  return false;
}

}  // namespace ioc::federation
