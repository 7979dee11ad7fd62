// bench_mpi - costs of odesynth::mpi::write_dataset_shards (built from src/mpi with
// -DODESYNTH_MPI=ON -DODESYNTH_BUILD_BENCHMARKS=ON):
//
//   mpiexec -n 1 bench_mpi [folder] [n] [shard-size]
//   mpiexec -n 2 bench_mpi [folder] [n] [shard-size]       (defaults: bench_mpi_out 4000 100)
//
// (a) claim: every rank claims 100000 times from a counter in an MPI window on rank 0
//     (MPI_Win_lock shared, MPI_Fetch_and_op, MPI_Win_unlock: what each shard claim costs),
//     no work in between; microseconds per claim, the slowest rank's.
// (b) dataset: the wall time of one distributed write of n Lotka-Volterra trajectories
//     (1 generator thread per rank, npy), into a fresh folder, and the serial part of it
//     (folder preparation plus metadata.json: a run that reuses every shard).
// One line per measurement, for scripts: "bench_mpi <what> ranks=<p> ...".
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <odesynth/dataset.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/mpi/distributed_dataset.hpp>
#include <odesynth/transforms.hpp>
#include <string>

namespace {

double claim_microseconds(int rank) {
  constexpr int claims = 100000;
  std::uint64_t* base = nullptr;
  MPI_Win win = MPI_WIN_NULL;
  MPI_Win_allocate(rank == 0 ? static_cast<MPI_Aint>(sizeof(std::uint64_t)) : 0,
                   sizeof(std::uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
    *base = 0;
    MPI_Win_unlock(0, win);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const std::uint64_t one = 1;
  std::uint64_t claimed = 0;
  const double t0 = MPI_Wtime();
  for (int k = 0; k < claims; ++k) {
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Fetch_and_op(&one, &claimed, MPI_UINT64_T, 0, 0, MPI_SUM, win);
    MPI_Win_unlock(0, win);
  }
  double seconds = MPI_Wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Win_free(&win);
  return seconds / claims * 1e6;
}

auto lv_generator() {
  namespace dist = odesynth::dist;
  odesynth::sampler samples(odesynth::models::lotka_volterra{});
  samples.parameter("alpha", dist::uniform{0.8, 1.6})
      .parameter("beta", dist::uniform{0.3, 0.6})
      .parameter("gamma", dist::uniform{0.8, 1.4})
      .parameter("delta", dist::uniform{0.2, 0.4})
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", dist::uniform{2, 8});
  odesynth::generator_options options;
  options.seed = 7;
  options.threads = 1;
  return odesynth::make_generator(odesynth::models::lotka_volterra{}, odesynth::solve_options{},
                                  samples, odesynth::time_grid::linspace(0, 30, 121),
                                  odesynth::gaussian_noise(0.1), options);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::filesystem::path folder = argc > 1 ? argv[1] : "bench_mpi_out";
  const std::uint64_t n = argc > 2 ? std::stoull(argv[2]) : 4000;
  const std::uint64_t shard_size = argc > 3 ? std::stoull(argv[3]) : 100;
  int status = 0;
  try {
    const double claim = claim_microseconds(rank);
    if (rank == 0) std::printf("bench_mpi claim ranks=%d us_per_claim=%.3f\n", ranks, claim);

    const auto g = lv_generator();
    odesynth::dataset_options out;
    out.formats = {odesynth::dataset_format::npy};
    if (rank == 0) std::filesystem::remove_all(folder);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    const auto written =
        odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, g, 0, n, folder, shard_size, out);
    const double full = MPI_Wtime() - t0;
    // Every shard exists now: a rerun does only the serial part (checks, folder, claims,
    // metadata.json over the shards' own metadata).
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    const auto again =
        odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, g, 0, n, folder, shard_size, out);
    const double serial = MPI_Wtime() - t0;
    if (rank == 0)
      std::printf(
          "bench_mpi dataset ranks=%d n=%llu shard_size=%llu shards=%llu written=%llu "
          "wall_s=%.3f serial_s=%.4f reused=%llu\n",
          ranks, static_cast<unsigned long long>(n), static_cast<unsigned long long>(shard_size),
          static_cast<unsigned long long>(written.shards),
          static_cast<unsigned long long>(written.shards_written), full, serial,
          static_cast<unsigned long long>(again.shards_reused));
  } catch (const std::exception& e) {
    if (rank == 0) std::fprintf(stderr, "bench_mpi: %s\n", e.what());
    status = 1;
  }
  MPI_Finalize();
  return status;
}
