/* bridgestan/bs_trailer.h — the format of the Stan program that `urn compile
 * --bridgestan` appends to a copy of urn's generic BridgeStan library
 * (build/urn_bridgestan.so), and that the library reads back from its own file
 * when bs_model_construct runs.  A model library is:
 *
 *   [the generic ELF library][program text][program path][footer]
 *
 * The dynamic loader maps only what the ELF headers describe, so bytes after
 * the image are ignored by it.  The footer is BS_TRAILER_SIZE bytes: the magic
 * (16 bytes), then the program's length, the path's length and a reserved 0,
 * each a 64-bit little-endian integer.  The path (as given to `urn compile`)
 * names the program in messages and gives the model's name. */
#ifndef URN_BS_TRAILER_H
#define URN_BS_TRAILER_H

#include <stdint.h>
#include <string.h>

#define BS_TRAILER_MAGIC "urn-bridgestan-1" /* 16 bytes, no terminator stored */
#define BS_TRAILER_MAGIC_LEN 16
#define BS_TRAILER_SIZE 40

/* Writes the footer for a program of prog_len bytes and a path of path_len bytes. */
static inline void bs_trailer_encode(unsigned char out[BS_TRAILER_SIZE], uint64_t prog_len, uint64_t path_len) {
  memcpy(out, BS_TRAILER_MAGIC, BS_TRAILER_MAGIC_LEN);
  uint64_t v[3] = {prog_len, path_len, 0};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 8; i++) out[BS_TRAILER_MAGIC_LEN + 8 * k + i] = (unsigned char)(v[k] >> (8 * i));
}

/* Reads a footer: 0 and the two lengths when the magic matches, -1 otherwise. */
static inline int bs_trailer_decode(const unsigned char in[BS_TRAILER_SIZE], uint64_t *prog_len, uint64_t *path_len) {
  if (memcmp(in, BS_TRAILER_MAGIC, BS_TRAILER_MAGIC_LEN)) return -1;
  uint64_t v[2] = {0, 0};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 8; i++) v[k] |= (uint64_t)in[BS_TRAILER_MAGIC_LEN + 8 * k + i] << (8 * i);
  *prog_len = v[0], *path_len = v[1];
  return 0;
}

#endif
