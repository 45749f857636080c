/* model/par.h — what a layer above the model needs to spread an evaluation's
 * map_rect jobs over other processes (src/mpi/mpi_map.c, issue #19): the hook
 * the model's evaluations call, and a workspace of the model's program and data
 * in which another process runs the jobs it is sent. */
#ifndef URN_MODEL_PAR_H
#define URN_MODEL_PAR_H

#include "lang/eval.h"
#include "urn/model.h"

/* Every later evaluation of m hands its map_rect jobs to remote (NULL: back to this process's threads).  Set it
 * while no evaluation of m runs; remote must outlive its use. */
void urn__model_set_remote(urn_model *m, const urn_par_remote *remote);
/* A workspace of m (its program, data and thread pool) for urn_par_map_jobs; give it back with
 * urn__model_ev_return. */
urn_ev *urn__model_ev_borrow(const urn_model *m);
void urn__model_ev_return(const urn_model *m, urn_ev *ev);

#endif
